"""Build the reference solver, data, network and training configuration of an emulator run,
and train it with a tied checkpoint after every chunk (shared with the operator runner)."""

from __future__ import annotations

import functools
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from .. import __version__, emulators as em, nn, report
from .._train.checkpoint import load, read_header, save
from ..solvers import spectral as sp
from ._common import CHECKPOINT, check_tie, expect, tie, write_config
from ._config import ConfigError

ARCHITECTURES = ("linear", "convnet", "resnet", "preresnet", "dilated", "unet", "fno", "encoder_decoder")
CONFIGURATIONS = ("supervised", "diverted", "mix", "residuum")

# The names a TOML file may use; the library itself takes the objects.
ACTIVATIONS = {
    "relu": jax.nn.relu,
    "gelu": jax.nn.gelu,
    "tanh": jnp.tanh,
    "silu": jax.nn.silu,
    "swish": jax.nn.silu,
    "elu": jax.nn.elu,
    "leaky_relu": jax.nn.leaky_relu,
}
LOSSES = {
    "mse": em.MSELoss,
    "nmse": em.NormalizedMSELoss,
    "mae": em.MAELoss,
    "nmae": em.NormalizedMAELoss,
}


def _pick(table: dict, key: str, value: str):
    if value not in table:
        raise ConfigError(f"{key} must be one of {', '.join(table)}, got '{value}'.")
    return table[value]


def build_reference(cfg: dict):
    """``(grid, stepper, initial_condition)`` from the ``[pde]`` table (float32 data).

    ``pde.num_spatial_dims`` (default 1) picks a 1-d or 2-d periodic grid; 2-d tables use
    ``name = "advection_diffusion"`` with ``velocity`` (one value per axis) and ``nu``."""
    p = cfg["pde"]
    try:
        grid = sp.PeriodicGrid(p.get("num_spatial_dims", 1), p["num_points"], extent=p["extent"])
        if p["name"] == "advection_diffusion":
            velocity = p["velocity"]
            if not isinstance(velocity, list) or len(velocity) != grid.num_spatial_dims:
                raise ConfigError(
                    f"pde.velocity must be a list of {grid.num_spatial_dims} numbers (one per axis), "
                    f"got {velocity!r}."
                )
            pde = sp.AdvectionDiffusion(velocity=tuple(float(c) for c in velocity), nu=p["nu"])
        elif p["name"] == "advection":
            pde = sp.Advection(velocity=p["cfl"] * grid.spacing / p["dt"])
        elif p["name"] == "burgers":
            pde = sp.Burgers(nu=p["nu"])
        elif p["name"] == "ks":
            pde = sp.KuramotoSivashinsky()
        else:
            raise ConfigError(
                f"pde.name must be advection, burgers, ks or advection_diffusion, got '{p['name']}'."
            )
        stepper = sp.Stepper(pde, grid, p["dt"], order=p["order"], substeps=p["substeps"])
    except ValueError as e:
        raise ConfigError(str(e)) from None
    ic = p["ic"]
    f32 = {"dtype": jnp.float32}
    if ic == "sine_cosine":
        if grid.num_spatial_dims != 1:
            raise ConfigError("pde.ic = 'sine_cosine' is 1-d only; use 'fourier' or 'grf' on a 2-d grid.")
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


# architecture name -> (class, its keyword arguments from the [model] table)
_NETWORKS = {
    "convnet": (nn.ConvNet, lambda m: {"depth": m["depth"]}),
    "resnet": (nn.ResNet, lambda m: {"num_blocks": m["depth"]}),
    "preresnet": (nn.ResNet, lambda m: {"num_blocks": m["depth"], "preactivation": True}),
    "dilated": (nn.DilatedResNet, lambda m: {"num_blocks": m["depth"]}),
    "unet": (nn.UNet, lambda m: {"levels": m["levels"]}),
}


def build_model(m: dict, key, *, channels: int = 1, dims: int = 1, spatial_size: int | None = None):
    """A network from a ``[model]`` table (architecture name and sizes); `spatial_size` (points
    per axis) is needed by ``encoder_decoder``, whose dense latent layers fix the resolution."""
    arch = m["architecture"]
    if arch not in (*_NETWORKS, "linear", "fno", "encoder_decoder"):
        raise ConfigError(f"model.architecture must be one of {', '.join(ARCHITECTURES)}, got '{arch}'.")
    act = _pick(ACTIVATIONS, "model.activation", m["activation"])
    try:
        if arch == "linear":
            return nn.LinearConv(
                dims,
                channels,
                channels,
                m["kernel_size"],
                use_bias=m["use_bias"],
                boundary=m["boundary"],
                key=key,
            )
        if arch == "encoder_decoder":
            if "latent_size" not in m or spatial_size is None:
                raise ConfigError("model.architecture = 'encoder_decoder' needs a model.latent_size key.")
            return nn.EncoderDecoder(dims, channels, channels, spatial_size=spatial_size,
                                     latent_size=m["latent_size"], width=m["width"], levels=m["levels"],
                                     kernel_size=m["kernel_size"], activation=act, boundary=m["boundary"],
                                     key=key)  # fmt: skip
        if arch == "fno":
            return nn.FNO(dims, channels, channels, width=m["width"], modes=m["modes"], num_layers=m["depth"],
                          activation=act, key=key)  # fmt: skip
        cls, extra = _NETWORKS[arch]
        return cls(dims, channels, channels, width=m["width"], kernel_size=m["kernel_size"], activation=act,
                   boundary=m["boundary"], key=key, **extra(m))  # fmt: skip
    except ValueError as e:
        raise ConfigError(f"model: {e}") from None


def build_optimizer(t: dict):
    """Adam with a constant or cosine-decaying learning rate, from a ``[train]`` table."""
    if t["schedule"] not in ("constant", "cosine"):
        raise ConfigError(f"train.schedule must be constant or cosine, got '{t['schedule']}'.")
    return _adam(float(t["learning_rate"]), t["schedule"], int(t["steps"]), float(t["final_lr_fraction"]))


@functools.lru_cache(maxsize=64)
def _adam(lr: float, schedule: str, steps: int, alpha: float):
    # One object per setting: optax builds closures, and a new closure would make every run
    # (a resume, a second run in a notebook) recompile the training chunk.
    if schedule == "cosine":
        return optax.adam(optax.cosine_decay_schedule(lr, steps, alpha=alpha))
    return optax.adam(lr)


class StepperResiduum(eqx.Module):
    """The one-step residual of a reference stepper, ``(u_next - stepper(u_prev)) / dt``."""

    stepper: sp.Stepper

    def __call__(self, u_next, u_prev):
        return ((u_next - self.stepper(u_prev)) / self.stepper.dt).astype(u_next.dtype)


def build_trainer(cfg: dict, rollout: int, stepper) -> em.Trainer:
    t = cfg["train"]
    loss = _pick(LOSSES, "train.loss", t["loss"])()
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
        trainer = em.Trainer(
            config,
            build_optimizer(t),
            t["steps"],
            t["batch_size"],
            ref_stepper=stepper,
            residuum_fn=StepperResiduum(stepper),
            devices=t.get("devices", 1),
        )
        trainer.mesh()  # the devices exist and the minibatch splits over them
        return trainer
    except ValueError as e:
        raise ConfigError(f"train: {e}") from None


def emulator_rollout(emulator, u0, n: int):
    """Batched autoregressive rollout (initial state excluded), shape ``(B, n, C, *spatial)``."""
    return jax.vmap(lambda u: sp.rollout(emulator, u, n, include_init=False))(u0)


def save_tied(path: Path, tree, cfg: dict, **entries) -> None:
    """`checkpoint.save` with the header entries tying it to this run (and `entries`)."""
    save(path, tree, {**tie(cfg), **entries, "physax": __version__})


def read_tied(path: Path, cfg: dict) -> dict:
    """The verified header of `path`, refused unless this very configuration wrote it."""
    header = read_header(path, expect=expect(cfg))
    check_tie(path, header, cfg)
    return header


def load_state(trainer: em.Trainer, model0, path: Path, header: dict) -> em.EmulatorState:
    """The `EmulatorState` checkpointed at `path` (its verified `header` gives the step)."""
    step = header.get("step")
    if not isinstance(step, int) or not 0 <= step <= trainer.num_steps:
        raise ConfigError(f"checkpoint {path} has an invalid step {step!r}; delete it to start over.")
    state, _ = load(path, trainer.init(model0))
    return em.EmulatorState(state.params, state.opt_state, step)


def train_tied(trainer, model0, data, key, *, cfg, out, saved, tag: dict, base: int, history, quiet):
    """Train (or continue, when the `saved` header of ``checkpoint/state.eqx`` matches `tag`) with a
    checkpoint and a history row after every chunk; on divergence the last good state is saved."""
    state, wall = None, [0.0]  # wall: the training time at the last good state
    if saved is not None and all(saved.get(k) == v for k, v in tag.items()):
        state, wall = load_state(trainer, model0, out / CHECKPOINT, saved), [float(saved["wall_time_s"])]
    offset = wall[0]

    def checkpoint(s: em.EmulatorState) -> None:
        save_tied(
            out / CHECKPOINT, s, cfg, **tag, step=s.step, history_step=base + s.step, wall_time_s=wall[0]
        )

    def on_chunk(record: dict, s: em.EmulatorState) -> None:
        history.append({**record, "step": base + record["step"], **tag})
        wall[0] = record["wall_time_s"]
        checkpoint(s)

    try:
        return trainer(
            model0,
            data,
            key=key,
            state=state,
            callbacks=[on_chunk],
            chunk=cfg["chunk"],
            progress=not quiet,
            wall_time_offset=offset,
        )
    except em.EmulatorDiverged as e:
        checkpoint(e.state)
        metrics = {"experiment": cfg["experiment"], "status": "diverged", "message": str(e), **tag}
        report.write_json(out / "metrics.json", {**metrics, "steps": base + e.state.step})
        raise
    except ValueError as e:
        raise ConfigError(str(e)) from None


def resume_point(cfg: dict, out: Path, resume: bool):
    """``(saved header of checkpoint/state.eqx or None, history writer)``; on resume the history
    is cut back to the checkpoint so that no chunk is logged twice."""
    if not resume:
        write_config(out, cfg)
        return None, report.HistoryWriter(out / "history.csv")
    saved = read_tied(out / CHECKPOINT, cfg) if (out / CHECKPOINT).is_file() else None
    upto = saved.get("history_step") if saved else 0  # no checkpoint yet: no chunk counts
    return saved, report.HistoryWriter.load(out / "history.csv", upto_step=upto)
