"""ODIL vs a classical finite-difference solve of Burgers (nu = 0.01/pi) on the same grid.

The classical solve marches Crank-Nicolson in time with second-order central differences in
space (a Newton iteration with a tridiagonal Jacobian per step, SciPy); ODIL solves the
whole space-time system at once by sparse Newton (`physax.odil`), with second- or
fourth-order spatial stencils. Both are scored against the exact Cole-Hopf reference
(256 x 100 points) by multilinear interpolation.

    python benchmarks/odil_burgers_fd.py [NT NX]     # default 100 1025
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from physax import odil, problems


def classical_cn(nt: int, nx: int, nu: float) -> np.ndarray:
    x = np.linspace(-1.0, 1.0, nx)
    dt, h = 1.0 / (nt - 1), 2.0 / (nx - 1)
    u = np.zeros((nt, nx))
    u[0] = -np.sin(np.pi * x)
    u[0, [0, -1]] = 0.0

    def f(v):  # the spatial operator lam1 v v_x - nu v_xx on interior nodes
        vx = (v[2:] - v[:-2]) / (2 * h)
        vxx = (v[2:] - 2 * v[1:-1] + v[:-2]) / h**2
        return v[1:-1] * vx - nu * vxx

    for n in range(nt - 1):
        old, v = u[n], u[n].copy()
        for _ in range(30):
            r = (v[1:-1] - old[1:-1]) / dt + 0.5 * (f(v) + f(old))
            vi = v[1:-1]
            main = 1 / dt + 0.5 * ((v[2:] - v[:-2]) / (2 * h) + 2 * nu / h**2)
            lower = 0.5 * (-vi[1:] / (2 * h) - nu / h**2)
            upper = 0.5 * (vi[:-1] / (2 * h) - nu / h**2)
            J = sps.diags([lower, main, upper], [-1, 0, 1], format="csc")
            d = spla.spsolve(J, -r)
            v[1:-1] += d
            if np.max(np.abs(d)) < 1e-13:
                break
        u[n + 1] = v
    return u


def main() -> None:
    nt, nx = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (100, 1025)
    p = problems.Burgers()
    ref = p.reference()  # Cole-Hopf quadrature, computed once (not timed)
    t0 = time.perf_counter()
    u = classical_cn(nt, nx, p.parameters["lambda2"].value)
    t_fd = time.perf_counter() - t0
    with jax.enable_x64(True):
        fd = odil.GridSolution(jnp.asarray(u), odil.Grid(p.domain, (nt, nx)))
    rel = lambda pred: np.linalg.norm(np.asarray(pred) - ref.flat_values) / np.linalg.norm(ref.flat_values)  # noqa: E731
    print(f"grid {nt} x {nx}")
    print(f"classical FD (CN, central 2nd order): rel. L2 {rel(fd(ref.points)):.3e} in {t_fd:.1f} s")
    for accuracy in (2, 4):
        r = odil.solve(p, odil.Grid(p.domain, (nt, nx), accuracy=accuracy), optimizer=odil.Newton(steps=30))
        s = r.stats
        print(
            f"ODIL Newton, accuracy {accuracy}: rel. L2 {r.history['rel_l2'][-1]:.3e} in {s['wall_time_s']:.1f} s "
            f"({len(r.history)} steps, compile {s['compile_s']:.1f} s, linear solves {s['linear_solve_s']:.1f} s)"
        )


if __name__ == "__main__":
    main()
