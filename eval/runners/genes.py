"""``biomedqa eval genes``: everyday paraphrases of gene / variant / disease / sequence questions,
asked through the same path as ``biomedqa ask --replay geneturing`` on a fresh home with no index.

Rows come from ``eval/data/genes_dev.jsonl`` (built by :mod:`biomedqa.eval.genes_dev`; split once
into tune and test). Scoring follows GeneTuring's rules where they apply: exact match for symbols,
chromosomes, TRUE/NA and organisms, 1 / 0.5 / 0 for alignments, recall of the gold items for gene
lists and cytobands, and containment (symbol and the recorded summary's first words) for functions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from biomedqa.cli import echo_json, stderr_console, with_settings
from biomedqa.errors import BiomedQAError, ConfigError, LLMError
from biomedqa.eval.keyed_model import KeyedChatModel
from biomedqa.eval.runners.geneturing import score as geneturing_score
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)
DEV = Path(__file__).resolve().parents[1] / "data" / "genes_dev.jsonl"
TASKS = {"alias_symbol": "Gene alias", "gene_location": "Gene location", "protein_coding": "Protein-coding genes",
         "snp_gene": "Gene SNP association", "snp_location": "SNP location",
         "disease_genes": "Gene disease association", "disease_gene_locations": "Disease gene location",
         "sequence_alignment": "Human genome DNA aligment", "sequence_organism": "Multi-species DNA aligment"}


def load_dev(split: str, intents: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Dev rows of one split (``tune``, ``test`` or ``all``), optionally of some intents."""
    if not DEV.exists():
        raise ConfigError(f"dev set {DEV} not found.", hint="Build it: python -m biomedqa.eval.genes_dev")
    rows = [json.loads(x) for x in DEV.read_text().splitlines() if x.strip()]
    return [r for r in rows if (split == "all" or r["split"] == split) and (not intents or r["intent"] in intents)]


def score(intent: str, prediction: str, gold: Any) -> float:
    """One row's score (see the module doc)."""
    if intent in ("gene_function", "snp_gene_function"):
        return float(bool(prediction) and all(str(g).lower() in prediction.lower() for g in gold))
    if intent == "disease_gene_locations":
        items = prediction.split(", ")
        return sum(g in items for g in gold) / len(gold) if gold else 0.0
    return geneturing_score(prediction, gold, TASKS[intent])


def _routed(answer: Any) -> dict[str, Any]:
    ev = next((e for e in answer.trace.events if e.kind == "node" and e.name == "answer_tools"), None)
    data = ev.data if ev is not None else {}
    return {"predicted_intent": data.get("intent"), "how": data.get("how") or "literature",
            "prediction": data.get("short_answer", "")}


class NoModel(KeyedChatModel):
    """``--no-llm``: every model call fails as a missing model would, so no step can lean on one."""

    def unmatched(self, prompt: str) -> str:
        raise LLMError("no model in this run (--no-llm).")


async def run_rows(settings: Settings, rows: list[dict[str, Any]], progress: Any = None,
                   use_llm: bool = True) -> list[dict[str, Any]]:
    """Ask each row's question through ``Agent.aask`` (the path ``ask`` takes) and score it."""
    from biomedqa.api import Agent
    from biomedqa.deps import Deps

    out: list[dict[str, Any]] = []
    deps = Deps(settings) if use_llm else Deps(settings, llm=NoModel(name="none"))
    with Agent(deps=deps) as agent:
        for r in rows:
            t0 = time.perf_counter()
            try:
                got = _routed(await agent.aask(r["question"]))
                err = None
            except BiomedQAError as e:  # e.g. fell through to the literature path, which needs an index
                got, err = {"predicted_intent": None, "how": "error", "prediction": ""}, str(e)[:160]
            out.append({**r, **got, "error": err, "seconds": round(time.perf_counter() - t0, 4),
                        "score": score(r["intent"], got["prediction"], r["gold"])})
            if progress is not None:
                progress()
    return out


def _p90(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.9 * len(xs))) - 1)] if xs else 0.0


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-intent accuracy, intent accuracy, seconds, and how often each route answered."""
    intents: dict[str, Any] = {}
    for name in sorted({r["intent"] for r in rows}):
        rs = [r for r in rows if r["intent"] == name]
        intents[name] = {"n": len(rs), "accuracy": round(statistics.mean(r["score"] for r in rs), 4),
                         "intent_ok": round(statistics.mean(r["predicted_intent"] == name for r in rs), 4)}
    secs = [r["seconds"] for r in rows]
    loop = [r for r in rows if r["how"] == "loop"]
    return {"n": len(rows), "accuracy": round(statistics.mean(r["score"] for r in rows), 4) if rows else 0,
            "intents": intents, "median_s": round(statistics.median(secs), 4) if secs else 0,
            "p90_s": round(_p90(secs), 4), "routes": {h: sum(r["how"] == h for r in rows)
                                                       for h in sorted({r["how"] for r in rows})},
            "loop_n": len(loop), "loop_accuracy": round(statistics.mean(r["score"] for r in loop), 4) if loop else None}


def markdown(s: dict[str, Any], split: str) -> str:
    lines = [f"# Gene questions in everyday phrasing ({split})", "", "| intent | n | accuracy | intent chosen right |",
             "|---|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['accuracy']:.3f} | {v['intent_ok']:.3f} |" for k, v in s["intents"].items()]
    lines += ["", f"Overall **{s['accuracy']:.3f}** (n={s['n']}); median {s['median_s']:.3f} s, p90 {s['p90_s']:.3f} s "
              f"per question; routes {s['routes']}; fallback loop {s['loop_n']}× (accuracy {s['loop_accuracy']}).", ""]
    return "\n".join(lines)


@click.command("genes")
@click.option("--split", type=click.Choice(["tune", "test", "all"]), default="tune", show_default=True,
              help="Dev-set half; tune on tune, report test once.")
@click.option("--intent", "intents", multiple=True, help="Only these intents (repeatable).")
@click.option("--llm/--no-llm", "use_llm", default=True, help="Let the model break intent ties and run the loop.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/genes"))
@with_settings()
def command(split: str, intents: tuple[str, ...], use_llm: bool, as_json: bool, out: Path,
            settings: Settings) -> None:
    """Paraphrased gene questions through `ask`'s path, replayed NCBI, fresh home, no index.

    Example: biomedqa eval genes --split tune --no-llm
    """
    from rich.progress import Progress

    rows = load_dev(split, intents)
    with tempfile.TemporaryDirectory(prefix="biomedqa-genes-") as home:
        s = settings.with_overrides({"home": home, "agent.tool_model": use_llm, "ncbi.offline": True,
                                     "ncbi.replay": json.dumps(list(settings.ncbi.replay) or ["geneturing"])})
        with Progress(console=stderr_console(), transient=True) as bar:
            job = bar.add_task("genes", total=len(rows))
            results = asyncio.run(run_rows(s, rows, lambda: bar.advance(job), use_llm))
    summary = summarize(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results_{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results))
    (out / f"summary_{split}.json").write_text(json.dumps(summary, indent=2))
    (out / f"report_{split}.md").write_text(markdown(summary, split))
    if as_json:
        echo_json(summary)
    else:
        click.echo(markdown(summary, split) + f"Results in {out}/")
