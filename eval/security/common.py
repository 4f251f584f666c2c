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


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status") as fh:
            line = next((ln for ln in fh if ln.startswith(field + ":")), "")
        return int(line.split()[1]) / 1024 if line else 0.0
    except (OSError, ValueError, IndexError):
        return 0.0


def reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ``clear_refs`` 5); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_mb("VmHWM") > 0


def peak_since_reset_mb() -> float:
    """This process's peak RSS in MB since the last :func:`reset_peak` (VmHWM)."""
    return _status_mb("VmHWM") * 1.048576


def timed(area: str, case: str, fn: Callable[[], Outcome | tuple[Outcome, str]]) -> CaseResult:
    """Run ``fn`` once; any exception escaping it is a crash.

    ``peak_mb`` is how far the process's peak RSS rose above its RSS at the start of the case
    (VmHWM is reset first, so models or data loaded earlier by the same process do not count);
    where the peak cannot be reset, it is the RSS growth seen after the case.
    """
    before = rss_mb()
    peak_known = reset_peak()
    start = time.perf_counter()
    try:
        got = fn()
        outcome, detail = got if isinstance(got, tuple) else (got, "")
    except Exception as exc:  # noqa: BLE001 - an escaping exception is exactly what a crash is
        outcome, detail = "crash", f"{type(exc).__name__}: {exc}"[:200]
    seconds = time.perf_counter() - start
    grown = (peak_since_reset_mb() if peak_known else rss_mb()) - before
    return CaseResult(area, case, outcome, round(seconds, 3), round(max(0.0, grown), 1), detail)
