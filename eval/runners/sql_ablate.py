"""Ablations of the SQL tool on the same triples: voting, shape checks and k, each measured apart.

Every configuration runs through the same model (normally a ``CachedChatModel``), so drafts the
full configuration already generated are replayed, not re-generated: the k=3 drafts are the
first three of the k=5 plan. Each row reports strict / relaxed accuracy, the model seconds its
calls took when they ran, and an exact McNemar test against the full configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from biomedqa.eval.metrics import mcnemar
from biomedqa.settings import Settings
from biomedqa.tools.sql.tool import SqlTool, build_sql_tool

logger = logging.getLogger(__name__)

Scorer = Callable[[SqlTool, list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("no voting (first passing draft)", {"sql.vote": False}),
    ("no shape checks", {"sql.shape_checks": False}),
    ("k=1", {"sql.drafts": 1}),
    ("k=3", {"sql.drafts": 3}),
    ("k=1, no shape checks (before #15)", {"sql.drafts": 1, "sql.shape_checks": False}),
]


def _row(name: str, results: list[dict[str, Any]], full: list[dict[str, Any]] | None) -> dict[str, Any]:
    n = len(results)
    row: dict[str, Any] = {
        "config": name, "n": n, "strict": sum(r["strict"] for r in results),
        "relaxed": sum(r["relaxed"] for r in results),
        "model_s_per_question": round(sum(r.get("model_seconds", 0.0) for r in results) / max(1, n), 2),
    }
    if full is not None:
        row["mcnemar_strict"] = mcnemar([r["strict"] for r in full], [r["strict"] for r in results])
        row["mcnemar_relaxed"] = mcnemar([r["relaxed"] for r in full], [r["relaxed"] for r in results])
    return row


async def run_ablations(settings: Settings, llm: Any, triples: list[dict[str, Any]],
                        full: list[dict[str, Any]], score: Scorer) -> list[dict[str, Any]]:
    """The full configuration's row, then one row per ablation (same triples, same model)."""
    s = settings.sql
    rows = [_row(f"full (k={s.drafts}, voting {'on' if s.vote else 'off'}, "
                 f"shape checks {'on' if s.shape_checks else 'off'})", full, None)]
    for name, over in ABLATIONS:
        tool = build_sql_tool(settings.with_overrides(over), llm)
        try:
            results = await score(tool, triples)
        finally:
            tool.close()
        rows.append(_row(name, results, full))
        logger.info("ablation %s: strict %d relaxed %d", name, rows[-1]["strict"], rows[-1]["relaxed"])
    return rows


def ablation_table(rows: list[dict[str, Any]] | None) -> str:
    """The ablation rows as Markdown (empty when no ablations ran)."""
    if not rows:
        return ""
    lines = ["", "## Ablations (same triples, drafts replayed from the call journal)", "",
             "| config | strict | relaxed | model s/question | McNemar p vs full (strict / relaxed) |",
             "|---|---|---|---|---|"]
    for r in rows:
        p = (f"{r['mcnemar_strict']['p']} / {r['mcnemar_relaxed']['p']}" if "mcnemar_strict" in r else "-")
        lines.append(f"| {r['config']} | {r['strict']}/{r['n']} | {r['relaxed']}/{r['n']} | "
                     f"{r['model_s_per_question']} | {p} |")
    return "\n".join(lines) + "\n"
