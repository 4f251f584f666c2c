"""``biomedqa eval verify``: precision and recall of the claim verifier's "supported" verdict.

The suite is built from BioASQ 7B-10B gold snippets (never 11B, which is kept for a final
check): each real snippet sentence is a claim checked against its own mini-PubMed document,
and the same sentence with one number, entity or negation changed is a claim the document
does not state. Entity swaps put in the exact answer of another BioASQ question (when the
sentence contains its own question's exact answer) or replace a gene/drug/disease-like name.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import click

from biomedqa.agent.citations import SENTENCE_END
from biomedqa.agent.facts import names
from biomedqa.agent.verify import verify_claim
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.eval.datasets import BIOASQ_DEV_TASKS
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_path
from biomedqa.types import Passage

TASKS = BIOASQ_DEV_TASKS  # 11B is reserved
_NUM = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?(?![\w.])|(?<=[\s(])\d+(?:\.\d+)?(?=%)")
_AUX = re.compile(r"\b(is|are|was|were|can|could|may|might|will|would|should|has|have|had|does|do|did)\b")
_NEG = (
    (re.compile(r"\b(is|are|was|were|does|do|did|can|could|has|have|had|may|might|will|would) not\b"), r"\1"),
    (re.compile(r"\bno significant\b"), "a significant"),
    (re.compile(r"\bwithout\b"), "with"),
    (re.compile(r"\bnot\s+"), ""),
)


def load_snippet_claims(tasks: tuple[str, ...] = TASKS) -> tuple[list[dict[str, Any]], list[str]]:
    """Real snippet sentences of ``tasks`` (deduplicated) and the pool of short exact answers."""
    rows, answers, seen = [], [], set()
    with gzip.open(shared_path("bioasq", "bioasq_7b-11b_golden.jsonl.gz"), "rt") as f:
        for line in f:
            q = json.loads(line)
            if q["task"] not in tasks:
                continue
            exact = [a[0] if isinstance(a, list) else a for a in q.get("exact_answer") or [] if a]
            exact = [a for a in exact if isinstance(a, str) and 1 <= len(a.split()) <= 3 and len(a) > 2]
            if q["type"] in ("factoid", "list"):
                answers += exact
            for sn in q.get("snippets", []):
                pmid = sn["document"].rstrip("/").rsplit("/", 1)[-1]
                for s in SENTENCE_END.split(" ".join(sn["text"].split())):
                    s = s.strip()
                    if 6 <= len(s.split()) <= 60 and (pmid, s) not in seen:
                        seen.add((pmid, s))
                        rows.append({"pmid": pmid, "claim": s, "qid": q["id"], "answers": exact})
    return rows, sorted(set(answers))


def load_docs(pmids: set[str]) -> dict[str, Passage]:
    docs = {}
    with gzip.open(shared_path("derived", "minipubmed", "corpus.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["pmid"] in pmids:
                docs[r["pmid"]] = Passage(doc_id=r["pmid"], pmid=r["pmid"], title=r["title"], text=r["text"])
    return docs


def _change_number(s: str, rng: random.Random) -> str | None:
    found = list(_NUM.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    old = m.group(0)
    dec = len(old.split(".")[1]) if "." in old else 0
    step = rng.choice([1, 2, 3, 5, 7]) * (10.0**-dec)
    new_val = float(old) + step if rng.random() < 0.6 or float(old) - step <= 0 else float(old) - step
    new = f"{new_val:.{dec}f}"
    return s[: m.start()] + new + s[m.end() :] if new != old else None


def _change_entity(row: dict[str, Any], pool: list[str], doc: str, rng: random.Random) -> tuple[str, str] | None:
    s = row["claim"]
    targets = [(a, "answer") for a in row["answers"] if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", s, re.I)]
    targets += [(n, "name") for n in names(s) if len(n) > 2]
    if not targets:
        return None
    old, kind = targets[0] if targets[0][1] == "answer" else rng.choice(targets)
    for _ in range(20):
        new = rng.choice(pool)
        if new.lower() != old.lower() and new.lower() not in doc.lower() and new.lower() not in s.lower():
            m = re.search(rf"(?<!\w){re.escape(old)}(?!\w)", s, re.I)
            if m:
                return s[: m.start()] + new + s[m.end() :], f"entity_{kind}"
    return None


def _change_negation(s: str) -> str | None:
    for rx, repl in _NEG:
        if rx.search(s):
            return rx.sub(repl, s, count=1)
    m = _AUX.search(s)
    if m:
        return s[: m.end()] + " not" + s[m.end() :]
    words = s.split()
    for i, w in enumerate(words[1:], 1):
        if re.fullmatch(r"[a-z]+(ed|es)", w) and len(w) > 4:
            return " ".join([*words[:i], "not", *words[i:]])
    return None


def perturb(row: dict[str, Any], pool: list[str], doc: str, rng: random.Random) -> tuple[str, str] | None:
    """One changed version of a real claim: (claim, kind), the kind chosen at random among those possible."""
    options: list[tuple[str, str]] = []
    num = _change_number(row["claim"], rng)
    if num:
        options.append((num, "number"))
    ent = _change_entity(row, pool, doc, rng)
    if ent:
        options.append(ent)
    neg = _change_negation(row["claim"])
    if neg and neg != row["claim"]:
        options.append((neg, "negation"))
    return rng.choice(options) if options else None


def build_suite(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` real claims (sampled with ``seed``) and one changed claim for each that can be changed."""
    rows, pool = load_snippet_claims()
    rng = random.Random(seed)
    rng.shuffle(rows)
    docs = load_docs({r["pmid"] for r in rows[: n * 2]})
    suite: list[dict[str, Any]] = []
    for row in rows:
        if sum(c["kind"] == "real" for c in suite) >= n:
            break
        doc = docs.get(row["pmid"])
        if doc is None:
            continue
        suite.append({"pmid": row["pmid"], "claim": row["claim"], "kind": "real", "qid": row["qid"]})
        changed = perturb(row, pool, doc.text, rng)
        if changed:
            suite.append({"pmid": row["pmid"], "claim": changed[0], "kind": changed[1], "qid": row["qid"]})
    return suite


async def run_suite(suite: list[dict[str, Any]], settings: Settings, use_model: bool) -> list[dict[str, Any]]:
    docs = load_docs({c["pmid"] for c in suite})
    llm = None
    if use_model:
        from biomedqa.deps import Deps

        llm = Deps(settings).llm
    out = []
    for c in suite:
        check, _ = await verify_claim(c["claim"], [docs[c["pmid"]]], llm=llm)
        out.append({**c, "verdict": check.verdict, "reason": check.reason})
    return out


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    real = [r for r in rows if r["kind"] == "real"]
    changed = [r for r in rows if r["kind"] != "real"]
    sup_real = sum(r["verdict"] == "supported" for r in real)
    sup_changed = sum(r["verdict"] == "supported" for r in changed)
    by_kind = {}
    for kind, total in sorted(Counter(r["kind"] for r in changed).items()):
        rejected = sum(r["verdict"] != "supported" for r in changed if r["kind"] == kind)
        by_kind[kind] = {"n": total, "not_supported": rejected, "rate": round(rejected / total, 4)}
    return {
        "real": len(real),
        "real_supported": sup_real,
        "recall_supported": round(sup_real / max(1, len(real)), 4),
        "changed": len(changed),
        "changed_not_supported": len(changed) - sup_changed,
        "changed_rejection_rate": round((len(changed) - sup_changed) / max(1, len(changed)), 4),
        "precision_supported": round(sup_real / max(1, sup_real + sup_changed), 4),
        "by_kind": by_kind,
        "real_refused_examples": [
            {k: r[k] for k in ("pmid", "claim", "verdict", "reason")} for r in real if r["verdict"] != "supported"
        ][:15],
        "changed_passed_examples": [
            {k: r[k] for k in ("pmid", "claim", "kind", "reason")} for r in changed if r["verdict"] == "supported"
        ][:15],
    }


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="Sample seed (0 is kept for other suites).")
@click.option("--n", "n", type=int, default=500, show_default=True, help="Real claims (each gets a changed twin).")
@click.option("--model/--no-model", "use_model", default=False, help="Let the model decide the open cases.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/verify"), show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_settings()
def command(seed: int, n: int, use_model: bool, out: Path, as_json: bool, settings: Settings) -> None:
    """Claim verifier on real vs changed BioASQ 7B-10B snippet sentences."""
    if n < 1:
        raise click.BadParameter("use at least 1 claim", param_hint="--n")
    rows = asyncio.run(run_suite(build_suite(seed, n), settings, use_model))
    result = {"seed": seed, "n": n, "tasks": list(TASKS), "model": use_model, **summarize(rows)}
    out.mkdir(parents=True, exist_ok=True)
    (out / f"verify-s{seed}-n{n}.json").write_text(json.dumps(result, indent=2))
    with (out / f"verify-s{seed}-n{n}.jsonl").open("w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    if as_json:
        echo_json(result)
        return
    click.echo(
        f"real supported {result['real_supported']}/{result['real']} ({result['recall_supported']:.3f}); "
        f"changed not supported {result['changed_not_supported']}/{result['changed']} "
        f"({result['changed_rejection_rate']:.3f}); precision of supported {result['precision_supported']:.3f}"
    )
    for kind, k in result["by_kind"].items():
        click.echo(f"  {kind:14} {k['not_supported']}/{k['n']} not supported")
