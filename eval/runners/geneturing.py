"""``biomedqa eval geneturing``: the 450 GeneTuring questions over replayed (or live) NCBI calls,
scored with GeneGPT's published rules (``evaluate.py`` of ncbi/GeneGPT)."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import click

from biomedqa.cli import echo_json, stderr_console, with_settings
from biomedqa.errors import ConfigError
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_path
from biomedqa.tools.eutils.recipes import COMMON_NAMES

logger = logging.getLogger(__name__)
LIST_TASKS = ("Gene disease association", "Disease gene location")


def normalize(answer: str, task: str) -> str | list[str]:
    """GeneGPT's answer normalisation for one task."""
    if task in ("SNP location", "Gene location"):
        parts = answer.strip().split()
        last = parts[-1] if parts else ""
        return last if "chr" in last else "chr" + last
    answer = answer.strip().replace("Answer: ", "")
    if task in LIST_TASKS:
        return answer.split(", ")
    if task == "Protein-coding genes":
        return {"Yes": "TRUE", "No": "NA"}.get(answer, answer)
    if task == "Multi-species DNA aligment":
        return COMMON_NAMES.get(answer, answer)
    return answer


def score(prediction: str, gold: str | list[str], task: str) -> float:
    """GeneGPT's score: recall of gold items for the list tasks, 1/0.5/0 for human alignment, else exact."""
    pred = normalize(prediction, task)
    if task in LIST_TASKS:
        items = gold.split(", ") if isinstance(gold, str) else list(gold)
        return sum(g in pred for g in items) / len(items) if items else 0.0
    if task == "Human genome DNA aligment":
        assert isinstance(pred, str) and isinstance(gold, str)
        if pred == gold:
            return 1.0
        return 0.5 if pred.split(":")[0] == gold.split(":")[0] else 0.0
    return float(pred == gold)


def load_questions(tasks: tuple[str, ...] = (), limit: int | None = None) -> list[dict[str, str]]:
    """GeneTuring questions as ``{task, question, gold}``, optionally filtered and capped per task."""
    data: dict[str, dict[str, str]] = json.loads(shared_path("genegpt_geneturing", "geneturing.json").read_text())
    wanted = [t for t in data if not tasks or any(x.lower() in t.lower() for x in tasks)]
    if tasks and not wanted:
        raise ConfigError(f"no GeneTuring task matches {', '.join(tasks)}.", hint=f"Tasks: {', '.join(data)}.")
    return [{"task": t, "question": q, "gold": a} for t in wanted for q, a in list(data[t].items())[:limit]]


async def run_questions(settings: Settings, items: list[dict[str, str]], llm: Any = None,
                        progress: Any = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Answer and score each item; returns per-question rows and replay statistics."""
    from biomedqa.tools.eutils import build_eutils
    from biomedqa.tools.eutils.chains import answer_by_intent, answer_gene_question

    toolbox = build_eutils(settings)
    rows: list[dict[str, Any]] = []
    try:
        for it in items:
            t0 = time.perf_counter()
            try:
                # the intent route is ask's; the template chain (and its model loop) only takes what it cannot read
                result = (await answer_by_intent(it["question"], toolbox)
                          or await answer_gene_question(it["question"], llm, toolbox))
                pred, calls, task, err = result.answer, result.tool_calls, result.task, None
            except Exception as e:  # noqa: BLE001  # one broken question must not stop the benchmark
                logger.warning("question failed: %s", e)
                pred, calls, task, err = "", [], None, f"{type(e).__name__}: {e}"
            rows.append({**it, "prediction": pred, "score": score(pred, it["gold"], it["task"]), "route": task,
                         "calls": len(calls), "failed_calls": sum(not c.ok for c in calls),
                         "errors": [c.error for c in calls if not c.ok][:3] + ([err] if err else []),
                         "requests": [k for c in calls for k in c.requests],
                         "seconds": round(time.perf_counter() - t0, 4)})
            if progress is not None:
                progress()
        stats = toolbox.replay.stats if toolbox.replay is not None else None
        replay = ({"exact": stats.exact, "loose": stats.loose, "missed": stats.missed, "live": stats.live,
                   "requests": stats.requests} if stats else {})
    finally:
        await toolbox.aclose()
    return rows, replay


def summarize(rows: list[dict[str, Any]], replay: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Per-task and overall scores, cache-hit rate, calls and seconds per question."""
    tasks: dict[str, dict[str, Any]] = {}
    for task in dict.fromkeys(r["task"] for r in rows):
        rs = [r for r in rows if r["task"] == task]
        tasks[task] = {"n": len(rs), "score": round(statistics.mean(r["score"] for r in rs), 4),
                       "calls_per_q": round(statistics.mean(r["calls"] for r in rs), 2),
                       "seconds_per_q": round(statistics.mean(r["seconds"] for r in rs), 4)}
    n_req = replay.get("requests") or 0
    return {
        "n": len(rows),
        "mean_over_tasks": round(statistics.mean(t["score"] for t in tasks.values()), 4) if tasks else 0,
        "mean_over_questions": round(statistics.mean(r["score"] for r in rows), 4) if rows else 0,
        "tasks": tasks, "http_per_q": round(statistics.mean(len(r["requests"]) for r in rows), 2) if rows else 0,
        "cache_hit_rate": round((replay.get("exact", 0) + replay.get("loose", 0)) / n_req, 4)
        if n_req else None, "replay": replay, "calls_per_q": round(statistics.mean(r["calls"] for r in rows), 2)
        if rows else 0, "seconds_per_q": round(seconds / len(rows), 4) if rows else 0, "seconds": round(seconds, 2),
    }


def markdown(summary: dict[str, Any]) -> str:
    lines = ["# GeneTuring", "", "| Task | n | Score | Calls/q | s/q |", "|---|---|---|---|---|"]
    for t, v in summary["tasks"].items():
        lines.append(f"| {t} | {v['n']} | {v['score']:.3f} | {v['calls_per_q']} | {v['seconds_per_q']:.3f} |")
    tail = (f"Mean over tasks: **{summary['mean_over_tasks']:.3f}** ({summary['n']} questions); "
            f"cache-hit rate {summary['cache_hit_rate']}; {summary['calls_per_q']} tool calls/q "
            f"({summary['http_per_q']} HTTP requests/q); {summary['seconds_per_q']:.3f} s/q.")
    lines += ["", tail, ""]
    return "\n".join(lines)


def write_outputs(out: Path, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "report.md").write_text(markdown(summary))


def _build_llm(settings: Settings, use_llm: bool) -> Any:
    if not use_llm:
        return None
    from biomedqa.deps import Deps

    try:
        return Deps(settings).llm  # loaded lazily: only questions no recipe covers pay for it
    except Exception as e:  # noqa: BLE001  # the deterministic chains still run without a model
        logger.warning("no local model (%s); unrecognised questions will get no answer", e)
        return None


@click.command("geneturing")
@click.option("--task", "tasks", multiple=True, help="Task name or substring (repeatable); default all 9.")
@click.option("--limit", type=int, default=None, help="At most N questions per task.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/geneturing"))
@click.option("--llm/--no-llm", "use_llm", default=True, help="Let the local model handle unrecognised questions.")
@with_settings()
def command(tasks: tuple[str, ...], limit: int | None, as_json: bool, out: Path, use_llm: bool,
            settings: Settings) -> None:
    """GeneTuring (9 tasks x 50) in replay mode by default; GeneGPT's scoring rules."""
    from rich.progress import Progress

    if not settings.ncbi.replay and not settings.ncbi.record:
        settings = settings.with_overrides({"ncbi.replay": json.dumps([str(shared_path(
            "genegpt_geneturing", "api_response_cache.jsonl.gz"))]), "ncbi.offline": True})
    items = load_questions(tasks, limit)
    llm = _build_llm(settings, use_llm)
    t0 = time.perf_counter()
    with Progress(console=stderr_console(), transient=True) as bar:
        job = bar.add_task("GeneTuring", total=len(items))
        rows, stats = asyncio.run(run_questions(settings, items, llm, lambda: bar.advance(job)))
    summary = summarize(rows, stats, time.perf_counter() - t0)
    write_outputs(out, rows, summary)
    if as_json:
        echo_json(summary)
    else:
        click.echo(markdown(summary) + f"Results in {out}/")
