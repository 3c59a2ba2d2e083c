"""jaxtyping aliases shared across physax."""

from jaxtyping import Array, Float, PRNGKeyArray, Scalar

Points = Float[Array, "n d"]
"""A batch of points, one row per point, columns in the domain's coordinate order."""

Point = Float[Array, " d"]
"""A single point."""

__all__ = ["Array", "Float", "PRNGKeyArray", "Point", "Points", "Scalar"]
