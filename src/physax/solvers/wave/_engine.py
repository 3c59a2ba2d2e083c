"""Run one shot on a resolved time loop: the native CPU loop or the XLA loop."""

from ._loops import AbstractLoop, NativeLoop
from ._model import AcousticModel, Shot, WaveSolution
from ._native_diff import native_traces
from ._propagate import _xla_propagate, checkpoint_segment
from ._sharded import ShardedLoop, sharded_propagate


def propagate(model: AcousticModel, shot: Shot, *, loop: AbstractLoop, **kwargs) -> WaveSolution:
    """Run one shot (no input validation; see `simulate`) on `loop`, resolved by `resolve_loop`.

    `NativeLoop()` returns traces from the native kernel (reverse mode by its discrete
    adjoint from checkpoints every `segment_length` steps, forward mode by the XLA loop);
    `XLALoop()` runs the `lax.scan` loop.
    """
    if isinstance(loop, ShardedLoop):
        return sharded_propagate(model, shot, loop=loop, **kwargs)
    if not isinstance(loop, NativeLoop):
        return _xla_propagate(model, shot, **kwargs)
    n_steps = shot.wavelets.shape[-1]
    segment = checkpoint_segment(n_steps, kwargs["checkpoint"], kwargs["segment_length"])
    traces = native_traces(
        model,
        shot,
        dt=kwargs["dt"],
        order=kwargs["order"],
        boundary=kwargs["boundary"],
        segment=min(segment, n_steps),
    )
    return WaveSolution(traces=traces, snapshots=None)
