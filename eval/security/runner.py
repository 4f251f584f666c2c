"""``biomedqa eval security [--area A] [--json]``: the hostile-input suites, a table per area.

Each area module (:data:`biomedqa.eval.security.AREAS`) returns ``CaseResult`` rows. A case passes
when it is refused or harmless, in under ``MAX_SECONDS`` and ``MAX_PEAK_MB``; the command exits 1
when any case crashed or broke a limit, so CI can run it as a gate.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from pathlib import Path
from typing import Any

import click

from biomedqa.cli import echo_json, handle_errors
from biomedqa.eval.security import AREAS
from biomedqa.eval.security.common import CaseResult

logger = logging.getLogger(__name__)

MAX_SECONDS = 15.0
MAX_PEAK_MB = 500.0


def run_area(area: str) -> list[CaseResult]:
    """Import one area's module and run its cases."""
    module = importlib.import_module(AREAS[area])
    results: list[CaseResult] = module.run()
    return results


def within_limits(r: CaseResult) -> bool:
    """Whether a case finished inside the time and memory budget."""
    return r.seconds < MAX_SECONDS and r.peak_mb < MAX_PEAK_MB


def summarize(area: str, results: list[CaseResult]) -> dict[str, Any]:
    """Counts and maxima of one area (the row of the summary table)."""
    ok = [r for r in results if r.outcome in ("refused", "harmless")]
    return {
        "area": area, "cases": len(results), "refused": sum(r.outcome == "refused" for r in results),
        "harmless": sum(r.outcome == "harmless" for r in results), "ok": len(ok),
        "crashes": sum(r.outcome == "crash" for r in results),
        "over_limits": [r.case for r in results if not within_limits(r)],
        "max_seconds": max((r.seconds for r in results), default=0.0),
        "max_peak_mb": max((r.peak_mb for r in results), default=0.0),
    }


def _print(area: str, results: list[CaseResult], head: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    table = Table(title=f"security: {area}", title_justify="left")
    table.add_column("case", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("s", justify="right", no_wrap=True)
    table.add_column("peak MB", justify="right", no_wrap=True)
    table.add_column("detail", no_wrap=True, overflow="ellipsis", max_width=80)
    for r in results:
        style = "red" if r.outcome == "crash" or not within_limits(r) else None
        table.add_row(r.case, r.outcome, f"{r.seconds:.3f}", f"{r.peak_mb:.1f}", r.detail, style=style)
    console.print(table)
    digest = next((r for r in results if r.case == "database-sha256"), None)
    if digest is not None:
        for part in digest.detail.split():
            console.print(f"sqlite database sha256 {part.replace('=', ': ')}", highlight=False)
    console.print(f"{area}: refused or harmless {head['ok']}/{head['cases']}, crashes {head['crashes']}, "
                  f"max {head['max_seconds']:.3f} s, max peak {head['max_peak_mb']:.1f} MB", highlight=False)


@click.command("security")
@click.option("--area", "areas", multiple=True, type=click.Choice(sorted(AREAS)),
              help="Run only this area (repeatable; default: every area).")
@click.option("--json", "as_json", is_flag=True, help="Print every case and the per-area summary as JSON.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON to this file.")
@handle_errors
def command(areas: tuple[str, ...], as_json: bool, out: Path | None) -> None:
    """Hostile-input suites: every case refused or harmless, < 15 s, < 500 MB; exit 1 on any crash."""
    import json

    report: dict[str, Any] = {"limits": {"seconds": MAX_SECONDS, "peak_mb": MAX_PEAK_MB}, "areas": []}
    failed = False
    for area in areas or tuple(AREAS):
        results = run_area(area)
        head = summarize(area, results)
        failed = failed or head["crashes"] > 0 or bool(head["over_limits"])
        report["areas"].append({**head, "results": [dataclasses.asdict(r) for r in results]})
        if not as_json:
            _print(area, results, head)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
    if as_json:
        echo_json(report)
    if failed:
        raise SystemExit(1)
