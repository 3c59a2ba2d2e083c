"""Domains and point samplers."""

from ._domains import (
    AbstractDomain as AbstractDomain,
    Box as Box,
    Interval as Interval,
    TimeXSpace as TimeXSpace,
)
from ._samplers import (
    AbstractSampler as AbstractSampler,
    Grid as Grid,
    LatinHypercube as LatinHypercube,
    Sobol as Sobol,
    Uniform as Uniform,
)
