"""Subdomain schedulers: which subdomains train (active), stay frozen (fixed) or are left out.

A scheduler splits the training steps into stages. In a stage, only the active networks
receive gradients and optimiser state; fixed networks still contribute to the solution;
inactive ones are ignored, and only collocation points inside active subdomains are used
(Moseley, Markham & Nissen-Meyer 2023, section 4.3). Point and line schedulers sweep a
front `r` from a point (a line) across the domain: a subdomain is active while the front
is within it, fixed once the front has passed it and inactive before the front reaches it.
"""

from __future__ import annotations

import abc
from typing import NamedTuple

import equinox as eqx
import numpy as np

from ._decomposition import Decomposition


class Stage(NamedTuple):
    """Steps `[start, end)` with `active` and `fixed` boolean masks over subdomains.

    Active subdomains train; fixed ones contribute to the solution with frozen parameters;
    the others are left out (and so are the collocation points only they cover).

    **Example:**

    >>> stage = Stage(0, 100, np.array([True, False]), np.array([False, True]))
    >>> stage.end - stage.start, stage.active.tolist(), stage.fixed.tolist()
    (100, [True, False], [False, True])
    """

    start: int
    end: int
    active: np.ndarray
    fixed: np.ndarray


def _split(steps: int, n: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, steps, n + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


class AbstractScheduler(eqx.Module):
    """Turns a decomposition and a step budget into a list of `Stage`.

    Subclass it and implement `stages(decomposition, steps)`; `physax.fbpinn.fit` takes any
    instance as `scheduler=`.

    **Example:**

    >>> # train the left half of the subdomains first, then the right half with the left frozen
    >>> class LeftThenRight(AbstractScheduler):
    ...     def stages(self, decomposition, steps):
    ...         left = np.arange(decomposition.n_subdomains) < decomposition.n_subdomains // 2
    ...         none = np.zeros_like(left)
    ...         return [Stage(0, steps // 2, left, none), Stage(steps // 2, steps, ~left, left)]
    >>> stages = LeftThenRight().stages(uniform(Interval(0.0, 1.0), 4), 1000)
    >>> [(s.start, s.end, s.active.tolist()) for s in stages]
    [(0, 500, [True, True, False, False]), (500, 1000, [False, False, True, True])]
    """

    @abc.abstractmethod
    def stages(self, decomposition: Decomposition, steps: int) -> list[Stage]:
        """The stages of a run of `steps` steps on `decomposition`."""


class AllActive(AbstractScheduler):
    """Every subdomain is active for the whole run (the default).

    **Example:**

    >>> (stage,) = AllActive().stages(uniform(Interval(0.0, 1.0), 4), 100)
    >>> stage.start, stage.end, bool(stage.active.all()), bool(stage.fixed.any())
    (0, 100, True, False)
    """

    def stages(self, decomposition, steps):
        J = decomposition.n_subdomains
        return [Stage(0, steps, np.ones(J, bool), np.zeros(J, bool))] if steps > 0 else []


class _Sweep(AbstractScheduler):
    n_stages: int = 0
    final_all: float = 0.0

    def __check_init__(self):
        if self.n_stages < 0 or not 0 <= self.final_all < 1:
            raise ValueError("a sweep scheduler needs n_stages >= 0 (0: automatic) and 0 <= final_all < 1.")

    @abc.abstractmethod
    def _extent(self, decomposition: Decomposition) -> tuple[np.ndarray, np.ndarray]:
        """Per subdomain: the nearest and farthest front position `r` within it."""

    @abc.abstractmethod
    def _default_stages(self, decomposition: Decomposition) -> int: ...

    def stages(self, decomposition, steps):
        near, far = self._extent(decomposition)
        n = self.n_stages or self._default_stages(decomposition)
        sweep_steps = int(round(steps * (1 - self.final_all)))
        fronts = np.linspace(0.0, far.max(), n) if n > 1 else np.array([far.max()])
        out = []
        for (a, b), r in zip(_split(sweep_steps, n), fronts):
            active = (near <= r) & (far >= r)
            fixed = far < r
            out.append(Stage(a, b, active, fixed & ~active))
        if steps > sweep_steps:
            J = decomposition.n_subdomains
            out.append(Stage(sweep_steps, steps, np.ones(J, bool), np.zeros(J, bool)))
        return out


class LineScheduler(_Sweep):
    """Sweep a plane `coords[axis] = const` from the low end of `axis` to the high end.

    Time-marching when `axis = "t"`: subdomains start training as the front reaches them
    and are frozen once it has passed (Moseley, Markham & Nissen-Meyer 2023, section 4.3).

    **Arguments:**

    - `axis`: the coordinate name the front moves along.
    - `n_stages`: stages of the sweep; 0 uses one stage per distinct subdomain centre along
      the axis on the finest level.
    - `final_all`: the share of steps trained with all subdomains active at the end.

    **Example:**

    >>> # four subdomains in time; 1 marks active subdomains, then fixed ones
    >>> dec = uniform(Interval(0.0, 1.0, "t"), 4)
    >>> for s in LineScheduler("t").stages(dec, 400):
    ...     print(s.start, s.end, s.active.astype(int), s.fixed.astype(int))
    0 100 [1 0 0 0] [0 0 0 0]
    100 200 [0 1 1 0] [1 0 0 0]
    200 300 [0 0 1 1] [1 1 0 0]
    300 400 [0 0 0 1] [1 1 1 0]
    """

    axis: str
    n_stages: int
    final_all: float

    def __init__(self, axis: str = "t", n_stages: int = 0, final_all: float = 0.0):
        self.axis, self.n_stages, self.final_all = axis, int(n_stages), float(final_all)

    def _extent(self, decomposition):
        a = decomposition.domain.axis(self.axis)
        mu, w, _ = decomposition.boxes()
        lo = decomposition.domain.lo[a]
        return np.maximum(mu[:, a] - w[:, a] / 2 - lo, 0.0), mu[:, a] + w[:, a] / 2 - lo

    def _default_stages(self, decomposition):
        return decomposition.levels[-1].shape[decomposition.domain.axis(self.axis)]


class PointScheduler(_Sweep):
    """Grow a ball from `point` outwards; subdomains activate as its surface crosses them.

    A subdomain is active while the sphere of radius $r$ about `point` passes through it,
    fixed once the sphere has passed it, and left out before (Moseley, Markham &
    Nissen-Meyer 2023).

    **Arguments:**

    - `point`: the centre of the ball, one coordinate per axis.
    - `n_stages`: stages of the sweep; 0 uses the largest subdomain count along an axis
      of the finest level.
    - `final_all`: the share of steps trained with all subdomains active at the end.

    **Example:**

    >>> # a 3 x 3 decomposition swept from a corner
    >>> dec = uniform(Box((0.0, 0.0), (1.0, 1.0)), 3)
    >>> [s.active.astype(int).tolist() for s in PointScheduler((0.0, 0.0)).stages(dec, 300)]
    [[1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 1]]
    """

    point: tuple[float, ...]
    n_stages: int
    final_all: float

    def __init__(self, point, n_stages: int = 0, final_all: float = 0.0):
        self.point = tuple(float(v) for v in point)
        self.n_stages, self.final_all = int(n_stages), float(final_all)

    def _extent(self, decomposition):
        mu, w, _ = decomposition.boxes()
        p = np.asarray(self.point, np.float64)
        if p.shape != (decomposition.domain.dim,):
            raise ValueError(
                f"PointScheduler point must have {decomposition.domain.dim} coordinates "
                f"{decomposition.domain.coords}, got {self.point}."
            )
        lo, hi = mu - w / 2, mu + w / 2
        near = np.linalg.norm(np.maximum(np.maximum(lo - p, p - hi), 0.0), axis=1)
        far = np.linalg.norm(np.maximum(np.abs(lo - p), np.abs(hi - p)), axis=1)
        return near, far

    def _default_stages(self, decomposition):
        return max(decomposition.levels[-1].shape)
