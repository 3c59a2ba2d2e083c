"""physax: physics-informed and differentiable-physics machine learning in JAX.

Subpackages: ``geometry`` (domains, samplers), ``nn`` (coordinate networks), ``problems``
(PDE definitions with references), ``solvers`` (classical reference solvers), ``optim``,
``pinn`` (physics-informed training), ``odil`` (the discretised PDE optimised over grid
values), ``report`` (run-directory outputs), ``cli``.
"""

from ._version import __version__ as __version__
