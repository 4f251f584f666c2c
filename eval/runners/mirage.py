"""``biomedqa eval mirage``: MIRAGE protocol — question-only retrieval over the mini-PubMed index,
options shown to the model, option-letter accuracy — for the cot / rag / agent modes.

Per-question results are appended to a JSONL as they finish, so an interrupted run resumes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from biomedqa.batch.journal import Journal
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import stderr_console
from biomedqa.deps import Deps
from biomedqa.errors import ConfigError
from biomedqa.eval.paired import save_result
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_path
from biomedqa.types import Answer

logger = logging.getLogger(__name__)
SUBSETS = ("pubmedqa", "bioasq", "medqa", "medmcqa", "mmlu", "pubmedqa-train", "pubmedqa-train-yesno", "bioasq-dev")
JOURNAL_OF = {"bioasq-dev": "bioasq"}  # a subset of another's questions shares its journal
PQA_OPTIONS = {"A": "yes", "B": "no", "C": "maybe"}
MODES = ("cot", "rag", "agent")


def load_pubmedqa_train() -> list[dict[str, Any]]:
    """PubMedQA PQA-L's 500 expert-labelled questions outside its official test split (= MIRAGE PubMedQA*),
    in MIRAGE's shape: the data calibrators are fitted on, disjoint from every reported test set."""
    labelled = json.loads(shared_path("pubmedqa", "ori_pqal.json").read_text())
    test = json.loads(shared_path("pubmedqa", "test_ground_truth.json").read_text())
    letter = {v: k for k, v in PQA_OPTIONS.items()}
    return [
        {"qid": pmid, "question": it["QUESTION"], "options": dict(PQA_OPTIONS),
         "answer": letter[it["final_decision"]], "PMID": [int(pmid)]}
        for pmid, it in labelled.items()
        if pmid not in test
    ]


def load_bioasq_dev() -> list[dict[str, Any]]:
    """MIRAGE BioASQ-Y/N without task 11B (reserved as the final check): the yes/no questions of 7B-10B."""
    from biomedqa.eval.datasets import BIOASQ_DEV_TASKS, bioasq_records

    dev = {r["id"] for r in bioasq_records() if r["task"] in BIOASQ_DEV_TASKS}
    return [it for it in load_subset("bioasq") if it["qid"] in dev]


def load_subset(subset: str) -> list[dict[str, Any]]:
    if subset == "pubmedqa-train":
        return load_pubmedqa_train()
    if subset == "pubmedqa-train-yesno":  # the yes/no-labelled ones, asked as yes/no: fits yes/no calibrators
        return [{**it, "options": {"A": "yes", "B": "no"}} for it in load_pubmedqa_train() if it["answer"] != "C"]
    if subset == "bioasq-dev":
        return load_bioasq_dev()
    data = json.loads(shared_path("mirage", "benchmark.json").read_text())
    if subset not in data:
        raise ConfigError(f"unknown MIRAGE subset {subset!r}.", hint=f"Choose one of {', '.join(SUBSETS)}.")
    return [{"qid": qid, **item} for qid, item in data[subset].items()]


def stratified_sample(items: list[dict[str, Any]], limit: int | None, seed: int = 0) -> list[dict[str, Any]]:
    """A fixed-seed sample that keeps the answer-letter proportions of the full subset."""
    if not limit or limit >= len(items):
        return items
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        by_label[it["answer"]].append(it)
    rng = random.Random(seed)
    picked: list[dict[str, Any]] = []
    for label in sorted(by_label):
        group = by_label[label]
        n = round(limit * len(group) / len(items))
        picked += rng.sample(group, min(n, len(group)))
    rng.shuffle(picked)
    return picked[:limit]


def mode_settings(settings: Settings, mode: str) -> Settings:
    """cot: no evidence; rag: retrieve → choose; agent: the full graph with grading and self-checks."""
    common = {"agent.use_eutils": False, "agent.use_sql": False, "agent.plan": False}
    # The baselines decide uncalibrated; the report calibrates their logged scores (rag: of every prompt view).
    plain = {**common, "agent.grade": False, "agent.reflect": False, "agent.calibration": "none"}
    if mode == "cot":
        return settings.with_overrides({**plain, "retrieval.k": 0})
    if mode == "rag":
        return settings.with_overrides({**plain, "agent.choice_views": "all"})
    return settings.with_overrides({**common, "agent.grade": True, "agent.reflect": True})


def model_tag(settings: Settings) -> str:
    """The model's name as it appears in run files."""
    return Path(settings.llm.model).name.removesuffix(".gguf").replace(":", "_")


def journal_name(settings: Settings, subset: str, model: str, mode: str) -> str:
    """One journal per subset, model, mode and answer-relevant settings, shared by every sample and seed:
    a question's row does not depend on which sample drew it, so a second seed only runs the new questions."""
    snap = mode_settings(settings, mode).snapshot()
    relevant = {
        "llm": {k: snap["llm"][k] for k in ("model", "n_ctx", "temperature", "seed")},
        "retrieval": {k: snap["retrieval"][k] for k in ("index", "retriever", "k", "overfetch", "fusion", "weights",
                                                        "hyde", "source")},
        "agent": {k: snap["agent"][k] for k in ("grade", "grade_mode", "reflect", "evidence_chars", "max_evidence",
                                                "calibration")},
    }
    if snap["agent"]["choice_views"] != "auto":  # auto follows the calibration files, as calibration=auto does
        relevant["agent"]["choice_views"] = snap["agent"]["choice_views"]
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{JOURNAL_OF.get(subset, subset)}-{model}-{mode}-{digest}.jsonl"


def failure_kind(row: dict[str, Any]) -> str | None:
    """Why a wrong answer went wrong, read from its trace summary."""
    if row["correct"]:
        return None
    gold = set(row.get("gold_pmids", []))
    if not row["retrieved"]:
        return "no retrieval (cot)"
    if gold and not gold & set(row["retrieved"]):
        return "retrieval miss"
    if gold and not gold & set(row["evidence"]):
        return "grading drop"
    if row.get("all_unsupported"):
        return "reflection rejection"
    return "generation error"


def score_row(item: dict[str, Any], answer: Answer, seconds: float) -> dict[str, Any]:
    retrieved = [
        e.data.get("retrieved", []) for e in (answer.trace.events if answer.trace else []) if e.name == "retrieve"
    ]
    retrieved_ids = [r["doc_id"].split("#")[0] for group in retrieved for r in group]
    evidence_ids = {p.pmid or p.doc_id for p in answer.evidence}
    cited = [c.pmid or c.doc_id for c in answer.citations]
    gold = [str(p) for p in item.get("PMID", [])]
    supported = {d for s in answer.support if s.verdict == "supported" for d in s.doc_ids}
    scores = [p.score for p in answer.evidence if p.kind == "literature"]
    row = {
        "qid": item["qid"],
        "gold": item["answer"],
        "pred": answer.choice,
        "correct": answer.choice == item["answer"],
        "options": item["options"],
        "scores": answer.scores,
        "views": answer.view_scores,
        "probs": answer.probs,
        "calibration": answer.calibration,
        "top_score": max(scores) if scores else None,
        "seconds": round(seconds, 2),
        "gold_pmids": gold,
        "retrieved": retrieved_ids,
        "evidence": sorted(evidence_ids),
        "cited": cited,
        "cited_outside_evidence": [c for c in cited if c not in evidence_ids],
        "cited_good": [c for c in cited if c in gold or c in supported],
        "all_unsupported": bool(answer.support) and all(s.verdict == "unsupported" for s in answer.support),
        "timings": answer.timings,
    }
    row["failure"] = failure_kind(row)
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    cited = sum(len(r["cited"]) for r in rows)
    secs = [r["seconds"] for r in rows]
    nodes: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for k, v in r["timings"].items():
            nodes[k].append(v)
    return {
        "n": n,
        "accuracy": round(sum(r["correct"] for r in rows) / n, 4) if n else 0.0,
        "citation_precision": round(sum(len(r["cited_good"]) for r in rows) / cited, 4) if cited else None,
        "citations": cited,
        "cited_outside_evidence": sum(len(r["cited_outside_evidence"]) for r in rows),
        "median_seconds": round(statistics.median(secs), 2) if secs else 0.0,
        "median_node_seconds": {k: round(statistics.median(v), 2) for k, v in sorted(nodes.items())},
        "failures": dict(
            sorted(
                ((k, sum(r["failure"] == k for r in rows)) for k in {r["failure"] for r in rows if r["failure"]}),
                key=lambda kv: -kv[1],
            )
        ),
    }


async def run_modes(
    settings: Settings,
    items: list[dict[str, Any]],
    modes: list[str],
    journals: dict[str, Path],
    deps: Deps | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Run every mode on each question in turn (one model and index shared by all modes).

    Interleaving lets llama.cpp reuse the KV cache of the evidence prefix between the rag prompt and
    the agent's grading prompt, and keeps partial results comparable across modes when a run stops.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from biomedqa.api import Agent
    from biomedqa.retrievers.null import NullRetriever

    shared = deps or Deps(settings)
    logs = {mode: Journal(journals[mode], key="qid") for mode in modes}
    done = {mode: logs[mode].load() for mode in modes}
    agents = {}
    for mode in modes:
        s = mode_settings(settings, mode)
        retriever = NullRetriever() if mode == "cot" else shared.retriever
        agents[mode] = Agent(deps=Deps(s, llm=shared.llm, retriever=retriever))
    todo = [it for it in items if any(it["qid"] not in done[m] for m in modes)]
    try:
        with Progress(
            TextColumn(f"mirage {'+'.join(modes)}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr_console(),
        ) as bar:
            task = bar.add_task("mirage", total=len(items), completed=len(items) - len(todo))
            for it in todo:
                for mode in modes:
                    if it["qid"] in done[mode]:
                        continue
                    t0 = time.perf_counter()
                    answer = await agents[mode].aask(it["question"], options=it["options"])
                    row = score_row(it, answer, time.perf_counter() - t0)
                    logs[mode].append(row)
                    done[mode][it["qid"]] = row
                bar.advance(task)
    finally:
        for log in logs.values():
            log.close()
        if deps is None:
            shared.close()
    return {mode: [done[mode][it["qid"]] for it in items] for mode in modes}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"## MIRAGE {result['subset']} (n={result['n']}, seed {result['seed']}, model {result['model']})",
        "",
        "| mode | accuracy | citation precision | cited outside evidence | median s/question | failures |",
        "|---|---|---|---|---|---|",
    ]
    for mode, m in result["modes"].items():
        precision = m["citation_precision"] if m["citation_precision"] is not None else "-"
        lines.append(
            f"| {mode} | {m['accuracy']:.3f} | {precision} "
            f"| {m['cited_outside_evidence']} | {m['median_seconds']} | {m['failures']} |"
        )
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--subset", type=click.Choice(SUBSETS), default="pubmedqa", show_default=True)
@click.option("--mode", "modes", type=click.Choice([*MODES, "all"]), multiple=True, default=("all",), show_default=True)
@click.option("--limit", type=int, default=None, help="Stratified sample of N questions (fixed seed).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--index", default=None, help="Index to retrieve from (default: settings, minipubmed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/mirage"), show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_settings(index="retrieval.index")
def command(
    subset: str,
    modes: tuple[str, ...],
    limit: int | None,
    seed: int,
    out: Path,
    as_json: bool,
    settings: Settings,
) -> None:
    """MIRAGE accuracy for cot / rag / agent on the same sample."""
    items = stratified_sample(load_subset(subset), limit, seed)
    chosen = list(MODES) if "all" in modes else list(dict.fromkeys(modes))
    out.mkdir(parents=True, exist_ok=True)
    model = model_tag(settings)
    tag = f"{subset}-n{len(items)}-s{seed}-{model}"
    result: dict[str, Any] = {
        "subset": subset,
        "n": len(items),
        "seed": seed,
        "model": settings.llm.model,
        "index": settings.retrieval.index,
        "k": settings.retrieval.k,
        "modes": {},
    }
    journals = {mode: out / journal_name(settings, subset, model, mode) for mode in chosen}
    for mode, rows in asyncio.run(run_modes(settings, items, chosen, journals)).items():
        result["modes"][mode] = summarize(rows)
    save_result(out, tag, result, markdown(result), as_json)
