"""Rectangular and multilevel domain decompositions for FBPINNs.

A :class:`Decomposition` is a list of axis-aligned subdomains (centre ``mu_j``, full widths
``w_j``), each on a level ``l``; one partition of unity is formed per level and the levels
are averaged (Dolean, Heinlein, Mishra & Moseley 2024). A rectangular level is the tensor
product of per-axis intervals, which lets :mod:`._pairs` find the subdomains containing a
point with one ``searchsorted`` per axis instead of testing every subdomain.
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import numpy as np

from ..geometry import AbstractDomain


class Level(eqx.Module):
    """One rectangular level: per-axis sorted subdomain centres and full widths (NumPy, static)."""

    # tuples of floats (hashable: a decomposition is static under jit); NumPy views below
    centres_: tuple[tuple[float, ...], ...] = eqx.field(static=True)
    widths_: tuple[tuple[float, ...], ...] = eqx.field(static=True)

    def __init__(self, centres, widths):
        self.centres_ = tuple(tuple(float(v) for v in np.ravel(c)) for c in centres)
        self.widths_ = tuple(tuple(float(v) for v in np.ravel(w)) for w in widths)

    @property
    def centres(self) -> tuple[np.ndarray, ...]:
        return tuple(np.asarray(c, np.float64) for c in self.centres_)

    @property
    def widths(self) -> tuple[np.ndarray, ...]:
        return tuple(np.asarray(w, np.float64) for w in self.widths_)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.centres_)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def lower(self, axis: int) -> np.ndarray:
        return self.centres[axis] - self.widths[axis] / 2

    def upper(self, axis: int) -> np.ndarray:
        return self.centres[axis] + self.widths[axis] / 2

    def boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(centres, widths)`` as ``(J, d)`` arrays in C order over the axes."""
        mu = np.stack(np.meshgrid(*self.centres, indexing="ij"), -1).reshape(-1, len(self.centres))
        w = np.stack(np.meshgrid(*self.widths, indexing="ij"), -1).reshape(-1, len(self.centres))
        return mu, w


def _check_level(domain: AbstractDomain, level: Level, which: str) -> None:
    if len(level.centres) != domain.dim or len(level.widths) != domain.dim:
        raise ValueError(
            f"{which}: give centres and widths for each of the {domain.dim} axes {domain.coords}, "
            f"got {len(level.centres)} and {len(level.widths)}."
        )
    for a, (c, w, name) in enumerate(zip(level.centres, level.widths, domain.coords)):
        if c.shape != w.shape or len(c) == 0:
            raise ValueError(
                f"{which}: axis '{name}' needs 1-d centres and widths of equal length, got shapes "
                f"{c.shape} and {w.shape}."
            )
        if not np.all(np.isfinite(c)) or not np.all(w > 0):
            raise ValueError(f"{which}: axis '{name}' needs finite centres and positive widths.")
        if np.any(np.diff(c) <= 0):
            raise ValueError(f"{which}: axis '{name}' centres must be strictly increasing, got {c}.")
        lo, hi = level.lower(a), level.upper(a)
        if np.any(np.diff(lo) < 0) or np.any(np.diff(hi) < 0):
            raise ValueError(
                f"{which}: on axis '{name}' the subdomain edges must increase with the centres "
                "(one subdomain may not contain another); use more uniform widths."
            )
        a0, b0 = domain.lo[a], domain.hi[a]
        if not (lo[0] < a0 and hi[-1] > b0):
            raise ValueError(
                f"{which}: subdomains do not cover the domain on axis '{name}': they span "
                f"[{lo[0]:g}, {hi[-1]:g}] but the domain is [{a0:g}, {b0:g}] (the end subdomains "
                "must reach strictly past the boundary, since windows vanish on their edges); "
                "move the end centres outwards or widen them."
            )
        gaps = np.nonzero(lo[1:] >= hi[:-1])[0]
        if len(gaps):
            i = gaps[0]
            raise ValueError(
                f"{which}: neighbouring subdomains do not overlap on axis '{name}': "
                f"[{lo[i]:g}, {hi[i]:g}] and [{lo[i + 1]:g}, {hi[i + 1]:g}]; widen the subdomains "
                "(e.g. width = 2 x the centre spacing) so every point lies strictly inside one."
            )


class Decomposition(eqx.Module):
    """Subdomains on one or more rectangular levels covering ``domain``.

    Construct with :func:`rectangular`, :func:`uniform` or :func:`multilevel`.

    Attributes:
        domain: the problem domain.
        levels: the rectangular levels (one partition of unity each).
    """

    domain: AbstractDomain
    levels: tuple[Level, ...] = eqx.field(static=True)

    def __check_init__(self):
        if not self.levels:
            raise ValueError("a decomposition needs at least one level.")
        for i, level in enumerate(self.levels):
            _check_level(self.domain, level, f"decomposition level {i}")

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def n_subdomains(self) -> int:
        return sum(level.size for level in self.levels)

    @property
    def offsets(self) -> np.ndarray:
        """Index of the first subdomain of each level (subdomains are numbered level by level)."""
        return np.concatenate([[0], np.cumsum([lv.size for lv in self.levels])]).astype(np.int64)

    def boxes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(centres (J, d), widths (J, d), level (J,))`` for all subdomains."""
        mus, ws = zip(*(lv.boxes() for lv in self.levels))
        lev = np.concatenate([np.full(lv.size, i) for i, lv in enumerate(self.levels)])
        return np.concatenate(mus), np.concatenate(ws), lev.astype(np.int64)


def rectangular(
    domain: AbstractDomain, centres: Sequence[Sequence[float]], widths: Sequence[Sequence[float] | float]
) -> Decomposition:
    """A one-level decomposition from per-axis centres and full widths (a scalar width per axis is broadcast).

    Example:
        >>> rectangular(Interval(0.0, 1.0), [[0.0, 0.5, 1.0]], [0.8])
    """
    cs = tuple(np.asarray(c, np.float64).reshape(-1) for c in centres)
    ws = tuple(
        np.broadcast_to(np.asarray(w, np.float64), c.shape).copy()
        if np.ndim(w) == 0
        else np.asarray(w, float)
        for c, w in zip(cs, widths)
    )
    if len(ws) != len(cs):
        raise ValueError(f"rectangular: {len(cs)} axes of centres but {len(ws)} of widths.")
    return Decomposition(domain, (Level(cs, ws),))


def _uniform_level(domain: AbstractDomain, n: Sequence[int], overlap: float) -> Level:
    if len(n) != domain.dim:
        raise ValueError(f"uniform: give one subdomain count per axis {domain.coords}, got {list(n)}.")
    if not overlap > 1:
        raise ValueError(
            f"uniform: overlap (width / centre spacing) must be > 1 for subdomains to overlap, got {overlap}."
        )
    cs, ws = [], []
    for a, k in enumerate(n):
        if int(k) < 1:
            raise ValueError(f"uniform: subdomain counts must be >= 1, got {list(n)}.")
        lo, hi = domain.lo[a], domain.hi[a]
        c = np.linspace(lo, hi, int(k))
        spacing = (hi - lo) / max(int(k) - 1, 1)
        # one subdomain: cover the whole interval with a margin of (overlap - 1) / 2 each side
        w = spacing * overlap if k > 1 else (hi - lo) * overlap
        if k == 1:
            c = np.array([(lo + hi) / 2])
        cs.append(c)
        ws.append(np.full(int(k), w))
    return Level(tuple(cs), tuple(ws))


def uniform(domain: AbstractDomain, n: Sequence[int] | int, overlap: float = 1.9) -> Decomposition:
    """``n[i]`` equally spaced subdomains per axis, centres from ``lo`` to ``hi``, width ``overlap`` x spacing.

    Example:
        >>> uniform(Interval(-2 * math.pi, 2 * math.pi), 30, overlap=1.9)   # the cosine problem
    """
    n = [n] * domain.dim if isinstance(n, int) else list(n)
    return Decomposition(domain, (_uniform_level(domain, n, overlap),))


def multilevel(
    domain: AbstractDomain, counts: Sequence[Sequence[int] | int], overlap: float = 1.9
) -> Decomposition:
    """Uniform levels with ``counts[l]`` subdomains per axis, e.g. ``[1, 2, 4, 8]`` (coarse to fine)."""
    if not counts:
        raise ValueError("multilevel: give at least one level of subdomain counts.")
    levels = tuple(
        _uniform_level(domain, [c] * domain.dim if isinstance(c, int) else list(c), overlap) for c in counts
    )
    return Decomposition(domain, levels)
