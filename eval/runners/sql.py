"""``biomedqa eval sql``: execution accuracy (strict and column-relaxed) on the 20 BiomedSQL sample
triples or the dev set's tune/test halves, per shape, with ablations, plus the hostile-input
refusal suite with a before/after checksum of the database."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import click

from biomedqa.cli import (
    echo_json,
    stderr_console,
    with_settings,
)
from biomedqa.eval.keyed_model import KeyedChatModel
from biomedqa.eval.runners.sql_ablate import ablation_table, run_ablations
from biomedqa.eval.runners.sql_cache import CachedChatModel
from biomedqa.eval.runners.sql_dev import load_dev, per_shape
from biomedqa.eval.sql_compare import (
    any_column_order_match,
    ordered_question,
    relaxed_match,
    rows_match,
)
from biomedqa.eval.sql_refusals import (
    content_fingerprint,
    run_model_sql_cases,
    run_question_cases,
    run_sql_cases,
    summarize,
)
from biomedqa.hashing import sha256_file
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_path
from biomedqa.tools.sql.connect import normalize_url, sqlite_path
from biomedqa.tools.sql.tool import SqlTool, build_sql_tool, default_db_url

logger = logging.getLogger(__name__)


def load_triples(limit: int | None = None) -> list[dict[str, Any]]:
    """The shared question / SQLite SQL / answer-rows triples."""
    path = shared_path("derived", "biomedsql", "sample_qa_pairs.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows[:limit] if limit else rows


async def score_triples(
    tool: SqlTool, triples: list[dict[str, Any]], progress: Path | None = None
) -> list[dict[str, Any]]:
    """Ask each question and compare the returned rows with the gold rows (appending each to ``progress``)."""
    out = []
    for i, t in enumerate(triples, start=1):
        i = t.get("i", i)
        t0 = time.perf_counter()
        model_s0 = float(getattr(tool.llm, "model_seconds", 0.0))
        ans = await tool.ask(t["question"])
        gold = t["answer_rows"]
        ordered = ordered_question(t["question"], t["sql_sqlite"])
        ran = ans.error is None
        strict = ran and (rows_match(ans.rows, gold, ordered=ordered) or any_column_order_match(ans.rows, gold))
        relaxed = ran and (strict or relaxed_match(ans.rows, gold, ordered=ordered))
        out.append({
            "i": i, "question": t["question"], "gold_sql": t["sql_sqlite"], "sql": ans.sql, "strict": strict,
            "relaxed": relaxed, "repairs": ans.repairs, "error": ans.error, "rows": ans.rows[:10],
            "gold_rows": gold, "answer": ans.answer, "seconds": round(time.perf_counter() - t0, 2),
            "attempts": ans.attempts, "shapes": t.get("shapes"), "clarify": ans.needs_clarification,
            "model_seconds": round(float(getattr(tool.llm, "model_seconds", 0.0)) - model_s0, 2),
        })
        if progress is not None:
            with progress.open("a") as f:
                f.write(json.dumps(out[-1], default=str) + "\n")
        logger.info("sql eval %d/%d strict=%s relaxed=%s repairs=%d", i, len(triples), strict, relaxed, ans.repairs)
        stderr_console().print(f"[{i}/{len(triples)}] {'OK ' if relaxed else 'BAD'} repairs={ans.repairs} "
                               f"{t['question'][:70]}")
    return out


def replayed_model(path: Path) -> KeyedChatModel:
    """A model that replays the SQL drafts recorded in an earlier ``sql_eval.json``, question by question.

    Prompts are engine-independent (same schema slice, types and samples), so replaying SQLite drafts on
    PostgreSQL reproduces what the model would write there, up to repair rounds whose error text differs.
    """
    data = json.loads(path.read_text())
    drafts = {r["question"]: [a.get("draft") or "" for a in r["attempts"]] for r in data["results"]}

    def reply(prompt: str) -> str:
        question = prompt.rsplit("Question:", 1)[-1].strip()
        queue = drafts.get(question) or ["SELECT 1"]
        return json.dumps({"sql": queue.pop(0) if len(queue) > 1 else queue[0]})

    return KeyedChatModel({'{"sql"': reply}, default='{"answer": "See the rows [1]."}', name="replay")


async def run_refusals(tool: SqlTool, url: str, with_questions: bool) -> dict[str, Any]:
    """The refusal suite with database checksums taken before and after."""
    path = sqlite_path(url)
    before = {"file_sha256": sha256_file(path) if path else None, "content": content_fingerprint(tool.engine)}
    cases = run_sql_cases(tool) + await run_model_sql_cases(tool)
    if with_questions:
        cases += await run_question_cases(tool)
    after = {"file_sha256": sha256_file(path) if path else None, "content": content_fingerprint(tool.engine)}
    return {**summarize(cases), "unchanged": before == after, "before": before, "after": after,
            "details": [c.model_dump() for c in cases]}


def summary(results: list[dict[str, Any]], refusals: dict[str, Any] | None, settings: Settings,
            url: str, seconds: float) -> dict[str, Any]:
    """Headline numbers for the JSON report."""
    n = len(results)
    return {
        "db": url, "model": settings.llm.model, "n": n,
        "execution_accuracy_strict": sum(r["strict"] for r in results),
        "execution_accuracy_relaxed": sum(r["relaxed"] for r in results),
        "errors": sum(r["error"] is not None for r in results),
        "repairs_total": sum(r["repairs"] for r in results),
        "repairs_hist": {k: sum(r["repairs"] == k for r in results) for k in range(settings.sql.max_repairs + 1)},
        "seconds": round(seconds, 1),
        "s_per_question": round(sum(r["seconds"] for r in results) / max(1, n), 2),
        "model_s_per_question": round(sum(r.get("model_seconds", 0.0) for r in results) / max(1, n), 2),
        "per_shape": per_shape(results) or None,
        "refusals": {k: v for k, v in (refusals or {}).items() if k != "details"} or None,
    }


def shape_table(shapes: dict[str, dict[str, int]] | None) -> list[str]:
    """Markdown rows of strict/relaxed accuracy per shape tag."""
    if not shapes:
        return []
    rows = [f"| {k} | {v['n']} | {v['strict']}/{v['n']} | {v['relaxed']}/{v['n']} |" for k, v in shapes.items()]
    return ["| shape | n | strict | relaxed |", "|---|---|---|---|", *rows, ""]


def select_triples(which: str, ids: str | None, limit: int | None) -> list[dict[str, Any]]:
    """The triples to score: the 20 shared samples, or the dev set's tune, test or both halves."""
    if which == "sample":
        triples = [{**t, "i": i} for i, t in enumerate(load_triples(), start=1)]
    else:
        triples = load_dev(None if which == "dev" else which)
    if ids:
        wanted = {x.strip() for x in ids.split(",") if x.strip()}
        triples = [t for t in triples if str(t["i"]) in wanted]
    return triples[:limit] if limit else triples


def markdown(head: dict[str, Any], results: list[dict[str, Any]], refusals: dict[str, Any] | None) -> str:
    """A Markdown report: headline, per-question table, refusal table."""
    lines = [
        "# biomedqa eval sql", "",
        f"- database: `{head['db']}`  model: `{head['model']}`  time: {head['seconds']} s",
        (f"- execution accuracy: strict **{head['execution_accuracy_strict']}/{head['n']}**, "
         f"column-relaxed **{head['execution_accuracy_relaxed']}/{head['n']}**"),
        f"- repair rounds used: {head['repairs_total']} in total, per question {head['repairs_hist']}",
        (f"- seconds per question: {head['s_per_question']} wall, {head['model_s_per_question']} in model calls "
         "(recorded when a call came from the cache)"), "",
        *shape_table(head.get("per_shape")),
        "| # | strict | relaxed | repairs | question | SQL |", "|---|---|---|---|---|---|",
    ]
    for r in results:
        sql = (r["sql"] or r["error"] or "").replace("|", "\\|")
        lines.append(f"| {r['i']} | {'✓' if r['strict'] else '✗'} | {'✓' if r['relaxed'] else '✗'} | "
                     f"{r['repairs']} | {r['question']} | `{sql}` |")
    if refusals:
        lines += ["", (f"## Refusal suite: {refusals['ok']}/{refusals['cases']} refused or neutralised; "
                       f"database unchanged: **{refusals['unchanged']}**"), "",
                  "| id | kind | expect | outcome |", "|---|---|---|---|"]
        for c in refusals["details"]:
            lines.append(f"| {c['id']} | {c['kind']} | {c['expect']} | {c['outcome'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"


@click.command("sql")
@click.option("--db", default=None, help="SQLAlchemy URL or SQLite path (default: the shared BiomedSQL sample).")
@click.option("--split", "which", type=click.Choice(["sample", "tune", "test", "dev"]), default="sample",
              help="The 20 shared sample triples, or the dev set's tune / test half (seed 15), or all of it.")
@click.option("--limit", type=int, default=None, help="Only the first N triples.")
@click.option("--ids", default=None, help="Only these triples: 1-based for sample, dev ids (d07) otherwise.")
@click.option("--refusals/--no-refusals", default=True, help="Run the hostile-input suite too.")
@click.option("--question-refusals/--no-question-refusals", default=True,
              help="Include injection-through-question cases (uses the model).")
@click.option("--answers/--no-answers", default=False,
              help="Also word each answer with the model (not scored; doubles the time).")
@click.option("--drafts", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Replay the model's SQL drafts from an earlier sql_eval.json instead of running the model.")
@click.option("--cache", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Journal of model calls: replay recorded calls, record new ones (resumable; ablations reuse it).")
@click.option("--offline", is_flag=True, help="With --cache: never run the model; a call not in the journal fails.")
@click.option("--ablations", is_flag=True, help="Also score the ablation configurations (voting, shape checks, k).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/sql"))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_settings(ncbi=False)
def command(db: str | None, which: str, limit: int | None, ids: str | None, refusals: bool, question_refusals: bool,
            answers: bool, drafts: Path | None, cache: Path | None, offline: bool, ablations: bool, out: Path,
            as_json: bool, settings: Settings) -> None:
    """Execution accuracy on the BiomedSQL sample triples or the dev set, and the SQL refusal suite."""
    from biomedqa.deps import Deps

    url = normalize_url(db or default_db_url() or "")
    settings = settings.with_overrides({"sql.url": url, "sql.answer_with_llm": answers})
    deps = Deps(settings)
    llm: Any = replayed_model(drafts) if drafts else CachedChatModel(
        None if offline else deps.llm, cache, offline=offline) if cache else deps.llm
    tool = build_sql_tool(settings, llm)
    t0 = time.perf_counter()
    ablated = None
    try:
        triples = select_triples(which, ids, limit)
        out.mkdir(parents=True, exist_ok=True)
        (out / "sql_eval_progress.jsonl").unlink(missing_ok=True)
        results = asyncio.run(score_triples(tool, triples, out / "sql_eval_progress.jsonl"))
        if ablations:
            ablated = asyncio.run(run_ablations(settings, llm, triples, results, score_triples))
        ref = asyncio.run(run_refusals(tool, url, question_refusals)) if refusals else None
    finally:
        tool.close()
        deps.close()
    head = summary(results, ref, settings, url, time.perf_counter() - t0)
    head.update(set=which, drafts=settings.sql.drafts, vote=settings.sql.vote, shape_checks=settings.sql.shape_checks,
                ablations=ablated)
    if drafts:
        head["model"] = f"replayed drafts of {settings.llm.model} from {drafts}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sql_eval.json").write_text(json.dumps({"summary": head, "results": results, "refusals": ref},
                                                  indent=2, default=str))
    (out / "sql_eval.md").write_text(markdown(head, results, ref) + ablation_table(ablated))
    if as_json:
        echo_json(head)
    else:
        click.echo(markdown(head, results, None).split("| #")[0] + f"Reports: {out}/sql_eval.json, sql_eval.md")
