"""``biomedqa eval bioasq-qa``: BioASQ exact answers (factoid, list) over the mini-PubMed index, agent vs rag.

The agent answers with ``format="factoid"`` (up to 5 names, most likely first) or ``format="list"``,
each name checked against the passage it cites. rag is one retrieval of the top 3 passages and one
call of the same names prompt, without checks. Scored as BioASQ scores exact answers: factoid strict
accuracy (the first name), lenient accuracy (any of the first 5) and MRR; list mean precision, recall
and F1. A name matches a gold synonym after lower-casing and dropping punctuation and articles
("match=exact"); "match=contains" also accepts a name that contains a synonym or is contained in one
(at least 4 characters), which credits "PD-L1 status" for "PD-L1". Only tasks 7B-10B: 11B is reserved.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from biomedqa.agent import prompts
from biomedqa.agent.citations import name_lines, name_of, split_sentences
from biomedqa.cli.options import with_settings
from biomedqa.eval.datasets import answer_groups, bioasq_dev_sample
from biomedqa.eval.metrics import mcnemar
from biomedqa.eval.paired import read_journal, run_budgeted, save_result, todo
from biomedqa.settings import Settings

TYPES = ("factoid", "list")
MODES = ("agent", "rag")
LIMITS = {"factoid": 5, "list": 10}


def load_questions(kind: str, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` BioASQ 7B-10B questions of ``kind`` with exact answers, sampled with ``seed``."""
    return [
        {"qid": r["id"], "type": kind, "question": r["body"], "gold": answer_groups(r)}
        for r in bioasq_dev_sample(kind, n, seed)
    ]


def norm(text: str) -> str:
    text = re.sub(r"[^\w\s-]", " ", text.lower())
    text = re.sub(r"^(?:the|a|an)\s+", "", " ".join(text.split()))
    return text.strip(" -")


def matches(name: str, synonyms: Sequence[str], how: str) -> bool:
    a = norm(name)
    if not a:
        return False
    for s in map(norm, synonyms):
        if a == s or (how == "contains" and min(len(a), len(s)) >= 4 and (s in a or a in s)):
            return True
    return False


def score(row: dict[str, Any], how: str) -> dict[str, float]:
    names, gold = row["names"], row["gold"]
    if row["type"] == "factoid":
        synonyms = [s for g in gold for s in g]
        rank = next((i for i, n in enumerate(names[:5], 1) if matches(n, synonyms, how)), 0)
        return {"strict": float(rank == 1), "lenient": float(rank > 0), "mrr": 1.0 / rank if rank else 0.0}
    found = {i for i, g in enumerate(gold) if any(matches(n, g, how) for n in names)}
    right = sum(any(matches(n, g, how) for g in gold) for n in names)
    p = right / len(names) if names else 0.0
    r = len(found) / len(gold) if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


async def rag_names(deps: Any, q: dict[str, Any], k: int = 3) -> tuple[list[str], float]:
    """Retrieve the top ``k`` and ask the names prompt once, no checks: (names, seconds)."""
    t0 = time.perf_counter()
    passages = deps.retriever.search(q["question"], k)
    what, them, how = prompts.NAMES_HOW[q["type"]]
    user = prompts.ANSWER_NAMES.format(
        evidence=prompts.evidence_block(passages, deps.settings.agent.evidence_chars, question=q["question"]),
        question=q["question"], what=what, them=them, how=how, feedback="",
    )
    text = await deps.llm.complete(prompts.chat(user), max_tokens=96)
    lines = split_sentences(name_lines(str(text), LIMITS[q["type"]]))
    return [name_of(s) for s in lines], time.perf_counter() - t0


async def run(settings: Settings, questions: list[dict[str, Any]], journal: Path, budget: float) -> int:
    """Answer the questions not yet in ``journal`` in both modes until ``budget`` seconds pass."""
    from biomedqa.api import Agent
    from biomedqa.deps import Deps

    if not todo(questions, MODES, journal):
        return 0
    deps = Deps(settings)
    agent = Agent(deps=deps)

    async def answer(q: dict[str, Any], mode: str) -> dict[str, Any]:
        base = {"qid": q["qid"], "type": q["type"], "gold": q["gold"], "mode": mode}
        if mode == "rag":
            names, secs = await rag_names(deps, q)
            return {**base, "names": names, "seconds": round(secs, 2)}
        t0 = time.perf_counter()
        got = await agent.aask(q["question"], format=q["type"])
        return {**base, "names": got.exact, "text": got.text, "seconds": round(time.perf_counter() - t0, 2)}

    try:
        return await run_budgeted(questions, MODES, journal, budget, answer)
    finally:
        agent.close()


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per type and mode, over questions both modes finished: BioASQ metrics (exact and contains), seconds."""
    out: dict[str, Any] = {}
    for kind in TYPES:
        by = {m: {r["qid"]: r for r in rows if r["mode"] == m and r["type"] == kind} for m in MODES}
        both = sorted(set(by["agent"]) & set(by["rag"]))
        if not both:
            continue
        out[kind] = {"n": len(both)}
        for how in ("exact", "contains"):
            per = {m: [score(by[m][q], how) for q in both] for m in MODES}
            for m in MODES:
                keys = per[m][0].keys()
                out[kind].setdefault(m, {})[how] = {k: round(statistics.mean(s[k] for s in per[m]), 4) for k in keys}
            key, label = ("strict", "strict") if kind == "factoid" else ("f1", "f1>=0.5")
            hits = {m: [s[key] >= 0.5 for s in per[m]] for m in MODES}
            out[kind].setdefault("mcnemar", {})[f"{how} {label}"] = mcnemar(hits["rag"], hits["agent"])
        for m in MODES:
            out[kind][m]["median_s"] = round(statistics.median(by[m][q]["seconds"] for q in both), 2)
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [f"## BioASQ exact answers, 7B-10B (seed {result['seed']}, model {result['model']})", ""]
    for kind, m in result["summary"].items():
        metrics = ("strict", "lenient", "mrr") if kind == "factoid" else ("precision", "recall", "f1")
        header = "| mode | match | " + " | ".join(metrics) + " | median s |"
        lines += [f"### {kind} (n={m['n']})", "", header, "|---|---|" + "---|" * (len(metrics) + 1)]
        for mode in MODES:
            for how in ("exact", "contains"):
                vals = " | ".join(f"{m[mode][how][k]:.3f}" for k in metrics)
                lines.append(f"| {mode} | {how} | {vals} | {m[mode]['median_s']} |")
        lines.append("")
        lines.append("McNemar (rag vs agent): " + "; ".join(
            f"{k}: p={t['p']} (agent only {t['only_b']}, rag only {t['only_a']})" for k, t in m["mcnemar"].items()))
        lines.append("")
    return "\n".join(lines)


@click.command()
@click.option("--n", "n", type=int, default=40, show_default=True, help="Questions per type (factoid, list).")
@click.option("--type", "types", type=click.Choice(TYPES), multiple=True, default=TYPES, show_default=True)
@click.option("--seed", type=int, default=3, show_default=True)
@click.option("--budget", type=float, default=600.0, show_default=True, help="Stop starting questions after this.")
@click.option("--index", default=None, help="Index (default: settings, minipubmed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/bioasq_qa"),
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_settings(ncbi=False, index="retrieval.index")
def command(n: int, types: tuple[str, ...], seed: int, budget: float, out: Path, as_json: bool,
            settings: Settings) -> None:
    """BioASQ factoid/list exact answers: agent vs rag (strict/lenient accuracy, MRR, list F1); resumable.

    \b
    Example:
      biomedqa eval bioasq-qa --n 40 --seed 3
    """
    if n < 1:
        raise click.BadParameter("use at least 1 question", param_hint="--n")
    settings = settings.with_overrides({"agent.use_eutils": False, "agent.use_sql": False})
    questions = [q for kind in types for q in load_questions(kind, n, seed)]
    out.mkdir(parents=True, exist_ok=True)
    journal = out / f"bioasq-qa-s{seed}-n{n}.jsonl"
    ran = asyncio.run(run(settings, questions, journal, budget))
    result = {"seed": seed, "asked": n, "ran_now": ran, "model": settings.llm.model,
              "summary": summarize(read_journal(journal))}
    save_result(out, f"bioasq-qa-s{seed}-n{n}", result, markdown(result), as_json)
