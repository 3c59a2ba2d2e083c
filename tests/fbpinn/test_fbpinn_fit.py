"""FBPINN training loop: compilation per active set, resume from a state, divergence."""

import equinox as eqx
import jax
import numpy as np
import pytest

from physax import fbpinn, nn, problems
from physax._train import History, Result
from physax._train.checkpoint import load, read_header, save
from physax.fbpinn._fit import _adam_chunk, _with_active_jit
from physax.optim import Adam
from physax.pinn import Collocation


def _setup(n_sub=4):
    problem = problems.CosineODE(omega=2.0)
    dec = fbpinn.uniform(problem.domain, n_sub, overlap=1.9)
    model = fbpinn.FBPINN(dec, lambda k: nn.MLP(1, "scalar", 4, 1, key=k), key=jax.random.key(0))
    return problem, dec, model


def _fit(problem, model, scheduler, steps, **kw):
    return fbpinn.fit(
        problem,
        model,
        key=jax.random.key(1),
        collocation=Collocation(n_interior=40, n_boundary=4),
        adam=Adam(steps=steps, learning_rate=1e-2),
        scheduler=scheduler,
        chunk=3,
        progress=False,
        track_error=False,
        **kw,
    )


class _Revisit(fbpinn.AbstractScheduler):
    """Stages A, B, A, B, A: the line scheduler's two active sets, each visited again."""

    def stages(self, decomposition, steps):
        a, b = fbpinn.LineScheduler("x", n_stages=2).stages(decomposition, 2)
        edges = np.linspace(0, steps, 6).round().astype(int)
        return [
            fbpinn.Stage(int(s), int(e), x.active, x.fixed) for s, e, x in zip(edges, edges[1:], [a, b] * 3)
        ]


def _sizes():
    return _adam_chunk._cached._cache_size(), _with_active_jit._cached._cache_size()


@pytest.mark.parametrize(
    "scheduler",
    [
        pytest.param(_Revisit(), id="revisit", marks=pytest.mark.slow),
        pytest.param(
            fbpinn.LineScheduler("x", n_stages=9, final_all=0.2), id="line-9-stages", marks=pytest.mark.slow
        ),
    ],
)
def test_one_compilation_per_distinct_active_set(scheduler):
    problem, dec, model = _setup()
    stages = scheduler.stages(dec, 45)
    distinct = {(s.active.tobytes(), s.fixed.tobytes()) for s in stages}
    assert len(distinct) < len(stages)  # the schedule does return to an active set
    sizes, seen = {}, set()

    def log(record, m):  # cache sizes after each chunk, keyed by the chunk's stage
        sizes.setdefault(record["phase"], []).append(_sizes())

    before = _sizes()
    result = _fit(problem, model, scheduler, 45, callbacks=[log])
    assert result.history[-1]["step"] == 45
    after = _sizes()
    assert after[0] - before[0] <= len(distinct)
    assert after[1] - before[1] <= len(distinct)
    # a stage whose active set was seen before compiles nothing new
    for k, stage in enumerate(stages):
        sig = (stage.active.tobytes(), stage.fixed.tobytes())
        if sig in seen:
            prev = sizes[f"stage {k}/{len(stages)}"][-1]
            assert sizes[f"stage {k + 1}/{len(stages)}"][-1] == prev
        seen.add(sig)


def _nets(model):
    return jax.tree.leaves(eqx.filter(model.nets, eqx.is_inexact_array))


def test_resume_from_a_state_matches_an_uninterrupted_run(tmp_path):
    problem, dec, model = _setup()
    sched = fbpinn.LineScheduler("x", n_stages=2)  # stages [0, 9) and [9, 18); chunks of 3
    states = {}
    full = _fit(problem, model, sched, 18, callbacks=[lambda rec, s: states.setdefault(s.step, s)])
    assert sorted(states) == [3, 6, 9, 12, 15, 18]
    assert states[3].opt_state is not None and states[9].opt_state is None  # mid-stage / boundary
    for step in (3, 9, 12):
        path = tmp_path / f"s{step}.eqx"
        save(path, states[step], {"step": step})
        like = fbpinn.init_state(problem, model, adam=Adam(steps=18), scheduler=sched, step=step)
        state, _ = load(path, like)
        state = state._replace(step=read_header(path)["step"])
        rest = _fit(problem, model, sched, 18, state=state)
        assert [h["step"] for h in rest.history] == [h["step"] for h in full.history if h["step"] > step]
        for a, b in zip(_nets(rest.model), _nets(full.model)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def test_a_nan_loss_raises_with_the_last_good_state():
    problem, dec, model = _setup()
    with pytest.raises(fbpinn.FBPINNDiverged, match="diverged") as info:
        _fit(problem, model, fbpinn.AllActive(), 6, weights={"pde": float("nan")})
    good = info.value.state
    assert good.step == 0 and good.opt_state is None
    for a, b in zip(_nets(good.model), _nets(model)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_fit_returns_the_shared_result():
    problem, dec, model = _setup()
    out = _fit(problem, model, fbpinn.AllActive(), 6)
    assert isinstance(out, Result) and isinstance(out.history, History)
    assert list(out.history["step"]) == [3, 6] and out.state.step == 6 and out.parameters == {}
    assert out.model is out.state.model


@pytest.mark.slow  # moved out of the fast tier (its 8-minute budget); runs in .ci/run
def test_observations_identify_the_damping_of_an_oscillator():
    truth = problems.DampedOscillator(d=1.5, omega0=6.0)
    observations = truth.observations(60, key=jax.random.key(2))
    problem = problems.DampedOscillator(d=problems.Parameter(1.5, trainable=True, init=0.5), omega0=6.0)
    dec = fbpinn.uniform(problem.domain, 3, overlap=1.9)
    model = fbpinn.FBPINN(
        dec,
        lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
        key=jax.random.key(0),
        constraint=problem.hard_constraint(),
    )
    out = fbpinn.fit(
        problem,
        model,
        key=jax.random.key(1),
        observations=observations,
        collocation=Collocation(n_interior=100, n_boundary=2),
        adam=Adam(steps=600, learning_rate=2e-2),
        hard_constraints=True,
        chunk=300,
        progress=False,
        track_error=False,
    )
    assert {"pde", "data", "d"} <= set(out.history.columns)
    assert out.history["d"][-1] == out.parameters["d"] != out.history["d"][0]
    assert abs(out.parameters["d"] - 1.5) < 0.03  # from a start of 0.5
