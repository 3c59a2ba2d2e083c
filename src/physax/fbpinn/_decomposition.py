"""Rectangular and multilevel domain decompositions for FBPINNs.

A `Decomposition` is a list of axis-aligned subdomains (centre `mu_j`, full widths
`w_j`), each on a level `l`; one partition of unity is formed per level and the levels
are averaged (Dolean, Heinlein, Mishra & Moseley 2024). A rectangular level is the tensor
product of per-axis intervals, which lets `._pairs` find the subdomains containing a
point with one `searchsorted` per axis instead of testing every subdomain.
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import numpy as np

from ..geometry import AbstractDomain


class Level(eqx.Module):
    """One rectangular level: per-axis sorted subdomain centres and full widths (NumPy, static).

    The subdomains of a level are the tensor product of its per-axis intervals
    $[c_i - w_i/2, c_i + w_i/2]$; one partition of unity is formed per level. Built by
    `rectangular`, `uniform` and `multilevel`.

    **Arguments:**

    - `centres`: per axis, the strictly increasing subdomain centres.
    - `widths`: per axis, the full widths (one per centre).

    **Example:**

    >>> # the second level of a three-level decomposition of [0, 1]
    >>> level = multilevel(Interval(0.0, 1.0), [1, 2, 4]).levels[1]
    >>> level.shape, level.centres, level.widths
    ((2,), (array([0., 1.]),), (array([1.9, 1.9]),))
    """

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
        """`(centres, widths)` as `(J, d)` arrays in C order over the axes."""
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
    """Subdomains on one or more rectangular levels covering `domain`.

    Construct with `rectangular`, `uniform` or `multilevel`. The subdomains are numbered level
    by level, in C order over the axes within a level; construction checks that every
    level covers the domain with overlapping neighbours.

    **Fields:**

    - `domain`: the problem domain.
    - `levels`: the rectangular levels (one partition of unity each).

    **Example:**

    >>> dec = uniform(Interval(0.0, 1.0), 4)
    >>> dec.n_subdomains, dec.n_levels
    (4, 1)
    >>> centres, widths, level = dec.boxes()
    >>> centres.ravel().round(3).tolist(), widths.ravel().round(3).tolist()
    ([0.0, 0.333, 0.667, 1.0], [0.633, 0.633, 0.633, 0.633])
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
        """`(centres (J, d), widths (J, d), level (J,))` for all subdomains."""
        mus, ws = zip(*(lv.boxes() for lv in self.levels))
        lev = np.concatenate([np.full(lv.size, i) for i, lv in enumerate(self.levels)])
        return np.concatenate(mus), np.concatenate(ws), lev.astype(np.int64)


def rectangular(
    domain: AbstractDomain, centres: Sequence[Sequence[float]], widths: Sequence[Sequence[float] | float]
) -> Decomposition:
    """A one-level decomposition from per-axis centres and full widths.

    **Arguments:**

    - `domain`: the problem domain.
    - `centres`: per axis, the strictly increasing subdomain centres.
    - `widths`: per axis, the full widths (one per centre, or a scalar for all).

    **Returns:** a `Decomposition`; a `ValueError` says what to change if the subdomains
    do not cover the domain or do not overlap.

    **Example:**

    >>> dec = rectangular(Interval(0.0, 1.0), [[0.0, 0.5, 1.0]], [0.8])
    >>> dec.n_subdomains, dec.boxes()[1].ravel().tolist()
    (3, [0.8, 0.8, 0.8])
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
    """`n[i]` equally spaced subdomains per axis, centres from `lo` to `hi`, width `overlap` x spacing.

    **Arguments:**

    - `domain`: the problem domain.
    - `n`: subdomains per axis (an int for every axis).
    - `overlap`: full width over centre spacing, > 1 (1.9: each point lies in about two
      subdomains per axis).

    **Returns:** a one-level `Decomposition`.

    **Example:**

    >>> # the cosine problem of Moseley et al. (2023)
    >>> dec = uniform(Interval(-2 * math.pi, 2 * math.pi), 30, overlap=1.9)
    >>> dec.n_subdomains, round(float(dec.boxes()[1][0, 0]), 4)
    (30, 0.8233)
    """
    n = [n] * domain.dim if isinstance(n, int) else list(n)
    return Decomposition(domain, (_uniform_level(domain, n, overlap),))


def multilevel(
    domain: AbstractDomain, counts: Sequence[Sequence[int] | int], overlap: float = 1.9
) -> Decomposition:
    """Uniform levels with `counts[l]` subdomains per axis, e.g. `[1, 2, 4, 8]` (coarse to fine).

    The multilevel FBPINN of Dolean, Heinlein, Mishra & Moseley (2024): the coarse levels
    carry low frequencies and global information, the fine ones local detail; the model
    averages the levels' partitions of unity.

    **Arguments:**

    - `domain`: the problem domain.
    - `counts`: per level, subdomains per axis (an int or one per axis).
    - `overlap`: as in `uniform`.

    **Returns:** a `Decomposition` with `len(counts)` levels.

    **Example:**

    >>> dec = multilevel(Interval(0.0, 1.0), [1, 2, 4])
    >>> dec.n_levels, dec.n_subdomains, dec.offsets.tolist()
    (3, 7, [0, 1, 3, 7])
    """
    if not counts:
        raise ValueError("multilevel: give at least one level of subdomain counts.")
    levels = tuple(
        _uniform_level(domain, [c] * domain.dim if isinstance(c, int) else list(c), overlap) for c in counts
    )
    return Decomposition(domain, levels)
