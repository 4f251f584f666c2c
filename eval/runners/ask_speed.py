"""``biomedqa eval ask-speed``: seconds per question of ``ask`` (Python API) beside plain RAG.

Plain RAG is one retrieval of the top 3 passages and one answer call with the same model and
prompt. Both run question by question on one loaded model, on BioASQ 7B-10B factoid questions
over the mini-PubMed index (11B is never used). Runs are journaled and resumable: each call
stops starting new questions after ``--budget`` seconds, so a long run can be split into
chunks that each hold the CPU lock for a few minutes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import statistics
import time
from pathlib import Path
from typing import Any

import click

from biomedqa.agent import facts, prompts
from biomedqa.agent.citations import NO_ANSWER
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.eval.datasets import answer_groups, bioasq_dev_sample
from biomedqa.eval.metrics import mcnemar
from biomedqa.eval.paired import read_journal, run_budgeted, todo
from biomedqa.settings import Settings
from biomedqa.types import Answer

logger = logging.getLogger(__name__)

MODES = ("agent", "plain")


KINDS = ("factoid", "number")
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred"
NUMBER_ANSWER = re.compile(
    r"^\s*(?:about|approximately|around|over|more than|less than|up to|in|~|<|>|≈)?\s*"
    rf"(?:\d[\d.,/\s-]*|(?:{_NUMBER_WORDS})\s*)"
    r"(?:%|percent|-?fold|x|times|days?|weeks?|months?|years?|hours?|minutes?|kb|kda|bp|mb|nm|mg|mm|cm|"
    r"amino acids?|residues?|genes?|copies|patients)?\s*$",
    re.IGNORECASE,
)


def factoid_questions(seed: int, n: int, kind: str = "factoid") -> list[dict[str, Any]]:
    """``n`` BioASQ 7B-10B factoid questions, sampled with ``seed``; ``kind="number"``: only those whose
    expected answer is a number or a quantity ("2500", "3%", "seven"), all 34 of them at most."""
    pool = 10**6 if kind == "number" else n  # number: filter the whole shuffled pool, then take n
    rows = [
        {"qid": r["id"], "question": r["body"], "answers": [a for g in answer_groups(r) for a in g]}
        for r in bioasq_dev_sample("factoid", pool, seed)
    ]
    if kind == "number":
        rows = [r for r in rows if any(NUMBER_ANSWER.match(a) for a in r["answers"])]
    return rows[:n]


def _words(text: str) -> str:
    """Lower case, punctuation and hyphens as spaces ("double-stranded" = "double stranded")."""
    return " " + " ".join(re.sub(r"[\W_]+", " ", text.lower()).split()) + " "


def names_answer(text: str, answers: list[str], verbatim: bool = False) -> bool:
    """Whether the answer text names one of the expected answers: as whole words after normalising case,
    punctuation and a leading article or "in the" (``verbatim``: a case-insensitive substring, as before)."""
    if verbatim:
        return any(a.lower() in text.lower() for a in answers)
    have = _words(text)
    stated = facts.numbers(text)
    for a in answers:  # a quantity matches as a number: "2,500" = "2500", "seven" = "7"
        wanted_numbers = facts.numbers(a) if NUMBER_ANSWER.match(a) else []
        if wanted_numbers and all(any(w.matches(h) for h in stated) for w in wanted_numbers):
            return True
    wanted = (re.sub(r"^ (?:in |at |on |by )?(?:the |a |an )?", " ", _words(a)) for a in answers)
    return any(w.strip() and w in have for w in wanted)


async def plain(deps: Any, question: str, k: int = 3) -> tuple[str, list[str], float]:
    """Retrieve the top ``k`` and answer once: (text, retrieved ids, seconds)."""
    t0 = time.perf_counter()
    passages = deps.retriever.search(question, k)
    block = prompts.evidence_block(passages, deps.settings.agent.evidence_chars, question=question)
    user = prompts.ANSWER_FREE.format(evidence=block, question=question, feedback="")
    text = await deps.llm.complete(prompts.chat(user), max_tokens=deps.settings.llm.max_tokens)
    return str(text), [p.doc_id for p in passages], time.perf_counter() - t0


def agent_row(q: dict[str, Any], answer: Answer, seconds: float) -> dict[str, Any]:
    evidence = {p.doc_id for p in answer.evidence}
    plan = next((e for e in (answer.trace.events if answer.trace else []) if e.name == "plan"), None)
    return {
        "qid": q["qid"], "mode": "agent", "seconds": round(seconds, 3), "text": answer.text,
        "named": names_answer(answer.text, q["answers"]),
        "named_verbatim": names_answer(answer.text, q["answers"], verbatim=True), "timings": answer.timings,
        "cited_outside_evidence": sum(c.doc_id not in evidence for c in answer.citations),
        "plan": (plan.data.get("summary") if plan else None),
        "drafts": [e.data.get("reply", "")[:400] for e in (answer.trace.of_kind("llm") if answer.trace else [])
                   if e.name == "generate"],
        "checks": [[(v["verdict"], v["reason"][:80], v["sentence"][:160]) for v in e.data.get("verdicts", [])]
                   for e in (answer.trace.of_kind("node") if answer.trace else []) if e.name == "reflect"],
        "reused_tokens": sum((e.data.get("perf") or {}).get("reused_tokens", 0.0)
                             for e in (answer.trace.of_kind("llm") if answer.trace else [])),
    }  # fmt: skip


async def run(
    settings: Settings, questions: list[dict[str, Any]], journal: Path, budget: float, deps: Any = None
) -> int:
    """Run the questions not yet in ``journal`` until ``budget`` seconds pass; returns how many ran."""
    from biomedqa.api import Agent
    from biomedqa.deps import Deps

    if not todo(questions, MODES, journal):
        return 0
    deps = deps or Deps(settings)
    agent = Agent(deps=deps)

    async def answer(q: dict[str, Any], mode: str) -> dict[str, Any]:
        if mode == "plain":
            text, ids, secs = await plain(deps, q["question"])
            return {"qid": q["qid"], "mode": "plain", "seconds": round(secs, 3), "text": text,
                    "named": names_answer(text, q["answers"]),
                    "named_verbatim": names_answer(text, q["answers"], verbatim=True), "retrieved": ids}  # fmt: skip
        t0 = time.perf_counter()
        got = await agent.aask(q["question"])
        return agent_row(q, got, time.perf_counter() - t0)

    try:
        return await run_budgeted(questions, ("plain", "agent"), journal, budget, answer)
    finally:
        agent.close()


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))], 2) if s else 0.0


def _declined(text: str) -> bool:
    """The answer says the evidence does not answer the question (the agent's honest refusal)."""
    return text.strip().startswith(NO_ANSWER.rstrip("."))


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median / p90 seconds per mode over questions both modes finished, per-node medians, answers named."""
    by = {m: {r["qid"]: r for r in rows if r["mode"] == m} for m in MODES}
    both = sorted(set(by["agent"]) & set(by["plain"]))
    out: dict[str, Any] = {"n": len(both)}
    for m in MODES:
        secs = [by[m][q]["seconds"] for q in both]
        out[m] = {"median_s": round(statistics.median(secs), 2) if secs else 0.0, "p90_s": _pct(secs, 0.9),
                  "named": sum(by[m][q]["named"] for q in both),
                  "declined": sum(_declined(by[m][q]["text"]) for q in both),
                  "answered_not_named": sum(not by[m][q]["named"] and not _declined(by[m][q]["text"]) for q in both),
                  "named_verbatim": sum(by[m][q].get("named_verbatim", False) for q in both)}  # fmt: skip
    nodes = sorted({k for q in both for k in by["agent"][q]["timings"]} - {"total"})
    out["agent"]["nodes_median_s"] = {
        k: round(statistics.median(by["agent"][q]["timings"].get(k, 0.0) for q in both), 2) for k in nodes
    } if both else {}  # fmt: skip
    out["agent"]["cited_outside_evidence"] = sum(by["agent"][q]["cited_outside_evidence"] for q in both)
    out["named_mcnemar"] = mcnemar([by["plain"][q]["named"] for q in both], [by["agent"][q]["named"] for q in both])
    plain_median = out["plain"]["median_s"] if both else 0.0
    out["ratio_median"] = round(out["agent"]["median_s"] / plain_median, 2) if plain_median else None
    return out


@click.command()
@click.option("--n", "n", type=int, default=40, show_default=True, help="Factoid questions (BioASQ 7B-10B).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--kind", type=click.Choice(KINDS), default="factoid", show_default=True,
              help="factoid: any factoid question; number: only those whose answer is a number (34 in all).")
@click.option("--budget", type=float, default=240.0, show_default=True, help="Stop starting questions after this.")
@click.option("--index", default=None, help="Index (default: settings, minipubmed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/speed"), show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_settings(index="retrieval.index")
def command(n: int, seed: int, kind: str, budget: float, out: Path, as_json: bool, settings: Settings) -> None:
    """Seconds per question: ask (agent) vs plain retrieve-top-3-then-answer, resumable."""
    if n < 1:
        raise click.BadParameter("use at least 1 question", param_hint="--n")
    questions = factoid_questions(seed, n, kind)
    n = len(questions)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"ask-speed-s{seed}-n{n}" if kind == "factoid" else f"ask-speed-{kind}-s{seed}-n{n}"
    journal = out / f"{stem}.jsonl"
    ran = asyncio.run(run(settings, questions, journal, budget))
    result = {"seed": seed, "kind": kind, "asked": n, "ran_now": ran, **summarize(read_journal(journal))}
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2))
    if as_json:
        echo_json(result)
        return
    left = n - result["n"]
    a, p = result["agent"], result["plain"]
    click.echo(
        f"{result['n']}/{n} questions done ({left} left: rerun to resume). "
        f"agent median {a['median_s']} s, p90 {a['p90_s']} s; plain median {p['median_s']} s, p90 {p['p90_s']} s; "
        f"ratio {result['ratio_median']}; answer named: agent {a['named']}, plain {p['named']} "
        f"(McNemar p = {result['named_mcnemar']['p']}; verbatim substring: agent {a['named_verbatim']}, "
        f"plain {p['named_verbatim']}); declined: agent {a['declined']}, plain {p['declined']}; answered without "
        f"naming it: agent {a['answered_not_named']}, plain {p['answered_not_named']}"
    )
