"""A rich progress bar showing step, loss terms, identified parameters and ETA."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def _fmt(record: dict) -> str:
    skip = {"step", "phase", "wall_time_s"}
    parts = [f"[bold]{record.get('phase', '')}[/]"]
    parts += [f"{k}={v:.3e}" for k, v in record.items() if k not in skip and isinstance(v, float)]
    return " ".join(parts)


class ProgressBar:
    """A progress bar of step, loss terms and ETA: a context manager, `update(record)` after each chunk.

    It shows the record's phase and every float in it (loss terms, identified parameters);
    it draws on standard error, and stays silent when `enabled` is false.

    **Arguments:**

    - `total`: the last step.
    - `start`: the step it starts at (when resuming).
    - `enabled`: draw it.
    - `console`: a `rich.console.Console` to draw on (default: standard error).

    **Example:** drawn into a string here, to show what a training run prints.

    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> with ProgressBar(100, console=Console(file=out, width=100)) as bar:
    ...     bar.update({"step": 50, "phase": "adam", "loss": 0.125})
    ...     bar.update({"step": 100, "phase": "adam", "loss": 0.0625})
    >>> print(out.getvalue())
    train ━━━━━━━━━━━━━━━━━━━━━━━━ 100/100 0:00:00 eta 0:00:00 adam loss=6.250e-02
    <BLANKLINE>
    """

    def __init__(self, total: int, start: int = 0, enabled: bool = True, console: Console | None = None):
        self.enabled = enabled
        self.total, self.start = total, start
        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=console or Console(stderr=True),
            disable=not enabled,
        )

    def __enter__(self):
        self._progress.__enter__()
        self._task = self._progress.add_task(
            "train", total=self.total, completed=self.start, info="compiling ..."
        )
        return self

    def update(self, record: dict) -> None:
        self._progress.update(self._task, completed=record["step"], info=_fmt(record))

    def __exit__(self, *exc):
        return self._progress.__exit__(*exc)
