"""Build the reference solver, data, network and training configuration of an emulator run."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import optax

from .. import emulators as em, nn
from ..solvers import spectral as sp
from ._config import ConfigError

ARCHITECTURES = ("linear", "convnet", "resnet", "preresnet", "dilated", "unet", "fno")
CONFIGURATIONS = ("supervised", "diverted", "mix", "residuum")


def build_reference(cfg: dict):
    """``(grid, stepper, initial_condition)`` from the ``[pde]`` table (float32 data)."""
    p = cfg["pde"]
    try:
        grid = sp.PeriodicGrid(1, p["num_points"], extent=p["extent"])
        if p["name"] == "advection":
            pde = sp.Advection(velocity=p["cfl"] * grid.spacing / p["dt"])
        elif p["name"] == "burgers":
            pde = sp.Burgers(nu=p["nu"])
        elif p["name"] == "ks":
            pde = sp.KuramotoSivashinsky()
        else:
            raise ConfigError(f"pde.name must be advection, burgers or ks, got '{p['name']}'.")
        stepper = sp.Stepper(pde, grid, p["dt"], order=p["order"], substeps=p["substeps"])
    except ValueError as e:
        raise ConfigError(str(e)) from None
    ic = p["ic"]
    f32 = {"dtype": jnp.float32}
    if ic == "sine_cosine":
        init = functools.partial(em.sine_cosine_series, grid, max_mode=p["max_mode"], **f32)
    elif ic == "fourier":
        init = functools.partial(
            sp.random_fourier_series, grid, max_mode=p["max_mode"], amplitude=p["amplitude"], **f32
        )
    elif ic == "grf":
        init = functools.partial(
            sp.gaussian_random_field, grid, exponent=p["grf_exponent"], amplitude=p["amplitude"], **f32
        )
    else:
        raise ConfigError(f"pde.ic must be sine_cosine, fourier or grf, got '{ic}'.")
    return grid, stepper, init


def make_data(cfg: dict, stepper, init, key, which: str):
    d = cfg["data"]
    n, steps = d[f"{which}_trajectories"], d[f"{which}_steps"]
    return em.generate_trajectories(
        stepper,
        init,
        num_trajectories=n,
        num_steps=steps,
        key=key,
        warmup_steps=cfg["pde"]["warmup_steps"],
        dtype=jnp.float32,
    )


def build_model(m: dict, key, *, channels: int = 1, dims: int = 1):
    """A network from a ``[model]`` table (architecture name and sizes)."""
    arch = m["architecture"]
    common = {"boundary": m["boundary"], "key": key}
    act = {"activation": m["activation"]}
    try:
        if arch == "linear":
            return nn.LinearConv(dims, channels, channels, m["kernel_size"], use_bias=m["use_bias"], **common)
        if arch == "convnet":
            return nn.ConvNet(
                dims,
                channels,
                channels,
                width=m["width"],
                depth=m["depth"],
                kernel_size=m["kernel_size"],
                **act,
                **common,
            )
        if arch in ("resnet", "preresnet"):
            return nn.ResNet(
                dims,
                channels,
                channels,
                width=m["width"],
                num_blocks=m["depth"],
                kernel_size=m["kernel_size"],
                preactivation=arch == "preresnet",
                **act,
                **common,
            )
        if arch == "dilated":
            return nn.DilatedResNet(
                dims,
                channels,
                channels,
                width=m["width"],
                num_blocks=m["depth"],
                kernel_size=m["kernel_size"],
                **act,
                **common,
            )
        if arch == "unet":
            return nn.UNet(
                dims,
                channels,
                channels,
                width=m["width"],
                levels=m["levels"],
                kernel_size=m["kernel_size"],
                **act,
                **common,
            )
        if arch == "fno":
            return nn.FNO(
                dims,
                channels,
                channels,
                width=m["width"],
                modes=m["modes"],
                num_layers=m["depth"],
                activation=m["activation"],
                key=key,
            )
    except ValueError as e:
        raise ConfigError(f"model: {e}") from None
    raise ConfigError(f"model.architecture must be one of {', '.join(ARCHITECTURES)}, got '{arch}'.")


def build_optimizer(t: dict):
    lr = t["learning_rate"]
    if t["schedule"] == "cosine":
        lr = optax.cosine_decay_schedule(lr, t["steps"], alpha=t["final_lr_fraction"])
    elif t["schedule"] != "constant":
        raise ConfigError(f"train.schedule must be constant or cosine, got '{t['schedule']}'.")
    return optax.adam(lr)


def build_trainer(cfg: dict, rollout: int, stepper) -> em.Trainer:
    t = cfg["train"]
    if t["loss"] not in em._losses.LOSSES:
        raise ConfigError(f"train.loss must be one of {', '.join(em._losses.LOSSES)}, got '{t['loss']}'.")
    loss = em._losses.LOSSES[t["loss"]]()
    name = t["configuration"]
    try:
        if name == "supervised":
            n_levels = rollout
        elif name == "diverted":
            n_levels = rollout - t["branch_steps"] + 1
        elif name == "mix":
            n_levels = rollout + t["post_physics_steps"]
        elif name == "residuum":
            n_levels = rollout
        else:
            raise ConfigError(
                f"train.configuration must be one of {', '.join(CONFIGURATIONS)}, got '{name}'."
            )
        kw = {
            "time_level_loss": loss,
            "cut_bptt_every": t["cut_bptt_every"],
            "time_level_weights": em.exponential_discount(max(n_levels, 1), t["discount"]),
        }
        if name == "supervised":
            config = em.Supervised(rollout, **kw)
        elif name == "diverted":
            config = em.DivertedChain(rollout, t["branch_steps"], cut_div_chain=t["cut_div_chain"], **kw)
        elif name == "mix":
            config = em.MixChain(rollout, num_post_physics_steps=t["post_physics_steps"], **kw)
        else:
            config = em.Residuum(rollout, **kw)

        def residuum(u_next, u_prev):  # a one-step residual of the reference time stepper
            return ((u_next - stepper(u_prev)) / stepper.dt).astype(u_next.dtype)

        return em.Trainer(
            config, build_optimizer(t), t["steps"], t["batch_size"], ref_stepper=stepper, residuum_fn=residuum
        )
    except ValueError as e:
        raise ConfigError(f"train: {e}") from None


def emulator_rollout(emulator, u0, n: int):
    """Batched autoregressive rollout (initial state excluded), shape ``(B, n, C, *spatial)``."""
    return jax.vmap(lambda u: sp.rollout(emulator, u, n, include_init=False))(u0)
