"""FBPINN figures: the decomposition, the normalised windows and each subdomain's contribution."""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..report import save_figure


def plot_decomposition(path: Path, dec) -> Path:
    """Subdomains as bars (1-d) or rectangles (2-d; first two axes), one colour per level."""
    mu, w, lev = dec.boxes()
    dom = dec.domain
    fig = Figure(figsize=(7, 3.2 if dom.dim == 1 else 6))
    ax = fig.add_subplot()
    colours = [f"C{i}" for i in range(10)]
    if dom.dim == 1:
        for j in range(len(mu)):
            ax.plot(
                [mu[j, 0] - w[j, 0] / 2, mu[j, 0] + w[j, 0] / 2], [j, j], color=colours[lev[j] % 10], lw=3
            )
        ax.axvspan(dom.lo[0], dom.hi[0], color="0.9", zorder=-1)
        ax.set_xlabel(dom.coords[0])
        ax.set_ylabel("subdomain")
    else:
        for j in range(len(mu)):
            lo = mu[j, :2] - w[j, :2] / 2
            ax.add_patch(Rectangle(lo, w[j, 0], w[j, 1], fill=False, ec=colours[lev[j] % 10], alpha=0.6))
        ax.add_patch(
            Rectangle(dom.lo[:2], dom.hi[0] - dom.lo[0], dom.hi[1] - dom.lo[1], fill=False, ec="k", lw=2)
        )
        ax.scatter(mu[:, 0], mu[:, 1], s=4, c=[colours[v % 10] for v in lev])
        ax.set_xlabel(dom.coords[0])
        ax.set_ylabel(dom.coords[1])
        ax.set_aspect("equal")
        ax.autoscale()
    ax.set_title(f"{dec.n_subdomains} subdomains on {dec.n_levels} level(s)")
    return save_figure(fig, path)


@eqx.filter_jit
def _contributions(model, pts):
    return jax.vmap(model.blended)(pts)


def plot_windows_and_contributions(out: Path, model, n: int = 400) -> list[Path]:
    """``windows.png`` (normalised windows) and ``contributions.png`` (each ``w~_j N_j``); 1-d and 2-d."""
    dom = model.decomposition.domain
    if dom.dim > 2:
        return []
    if dom.dim == 1:
        x = np.linspace(dom.lo[0], dom.hi[0], n)[:, None]
    else:
        m = int(np.sqrt(n * 2))
        g = np.meshgrid(
            np.linspace(dom.lo[0], dom.hi[0], m), np.linspace(dom.lo[1], dom.hi[1], m), indexing="ij"
        )
        x = np.stack([a.ravel() for a in g], -1)
    pts = jnp.asarray(x, model.centres.dtype)
    contrib = np.asarray(_contributions(model, pts)) * model.scale
    ones = eqx.tree_at(lambda mm: mm.nets, model, _unit_nets(model))
    win = np.asarray(_contributions(ones, pts))
    paths = []
    for name, data, title in (
        ("windows.png", win, "normalised windows (sum to 1 per level)"),
        ("contributions.png", contrib, "subdomain contributions"),
    ):
        fig = Figure(figsize=(8, 3.5))
        ax = fig.add_subplot()
        if dom.dim == 1:
            ax.plot(x[:, 0], data, lw=0.8)
            ax.set_xlabel(dom.coords[0])
        else:  # the largest-magnitude contribution's subdomain index, as an image
            j = np.argmax(np.abs(data), axis=1).reshape(m, m)
            im = ax.imshow(
                j.T, origin="lower", extent=(dom.lo[0], dom.hi[0], dom.lo[1], dom.hi[1]), cmap="tab20"
            )
            fig.colorbar(im, ax=ax, label="dominant subdomain")
        ax.set_title(title)
        paths.append(save_figure(fig, out / name))
    return paths


def _unit_nets(model):
    """Stacked networks that output exactly 1 (for drawing the windows alone)."""
    arrays, static = eqx.partition(model.nets, eqx.is_inexact_array)
    zero = jax.tree.map(jnp.zeros_like, arrays)
    net = eqx.combine(zero, static)
    if hasattr(net, "biases"):
        net = eqx.tree_at(lambda n: n.biases[-1], net, jnp.ones_like(net.biases[-1]))
    return net
