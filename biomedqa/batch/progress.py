"""A rich progress bar for batch runs: done/total, questions per minute, errors and ETA (stderr)."""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from typing_extensions import Self

logger = logging.getLogger(__name__)


class RateColumn(ProgressColumn):
    """Questions per minute, from rich's moving speed estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- q/min" if speed is None else f"{speed * 60:.1f} q/min", style="progress.data.speed")


class BatchProgress:
    """Context manager around a rich Progress; a no-op when disabled.

    Args:
        total: Rows in the input.
        already_done: Rows resumed from an earlier run (start the bar there).
        enabled: Show the bar at all.
        console: Where to draw (default: a stderr Console).
    """

    def __init__(self, total: int, already_done: int = 0, *, enabled: bool = True, console: Any = None) -> None:
        self.enabled = enabled
        self.errors = 0
        self._progress: Progress | None = None
        self._task: Any = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]batch"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TextColumn("[red]{task.fields[errors]} errors"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console or Console(stderr=True),
                transient=False,
            )
            self._task = self._progress.add_task("batch", total=total, completed=already_done, errors=0)

    def advance(self, *, failed: bool = False) -> None:
        """Count one finished row."""
        self.errors += int(failed)
        if self._progress is not None:
            self._progress.update(self._task, advance=1, errors=self.errors)

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
