"""The one result type every hostile-input area reports, and how a case is timed and sized."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["refused", "harmless", "crash"]


@dataclass(frozen=True)
class CaseResult:
    """One hostile case: what happened, how long it took and how much memory it grew the process by."""

    area: str
    case: str
    outcome: Outcome
    seconds: float
    peak_mb: float
    detail: str = ""


def rss_mb() -> float:
    """This process's current resident set size in MB (Linux /proc; 0.0 where unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / 1e6


def timed(area: str, case: str, fn: Callable[[], Outcome | tuple[Outcome, str]]) -> CaseResult:
    """Run ``fn`` once; any exception escaping it is a crash. ``peak_mb`` is the RSS growth seen after it."""
    before = rss_mb()
    start = time.perf_counter()
    try:
        got = fn()
        outcome, detail = got if isinstance(got, tuple) else (got, "")
    except Exception as exc:  # noqa: BLE001 - an escaping exception is exactly what a crash is
        outcome, detail = "crash", f"{type(exc).__name__}: {exc}"[:200]
    seconds = time.perf_counter() - start
    return CaseResult(area, case, outcome, round(seconds, 3), round(max(0.0, rss_mb() - before), 1), detail)
