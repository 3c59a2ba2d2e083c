"""Classical solvers and exact solutions, used as trusted references."""

from . import spectral as spectral
from ._cache_dir import cache_dir as cache_dir
from ._cole_hopf import burgers_cole_hopf as burgers_cole_hopf
from ._helmholtz_fd import helmholtz_fd as helmholtz_fd


def __getattr__(name: str):
    # physax.solvers.fem imports scikit-fem (about a second): loaded on first use only
    if name == "fem":
        import importlib

        return importlib.import_module(f"{__name__}.fem")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
