"""Retrieval evaluation suites over the shared data: corpus files, queries and BEIR-style qrels.

Everything is read from :func:`biomedqa.shared_data.shared_data_dir` at run time.

| suite | corpus | queries | qrels |
|---|---|---|---|
| ``scifact-dev`` | ``retrieval/scifact/corpus.jsonl.gz`` (5,183, title+abstract) | ``claims_dev.jsonl`` | ``derived/scifact_dev_qrels_cited_beirstyle.tsv`` |
| ``bioasq`` | ``derived/minipubmed/corpus.jsonl.gz`` (14,460) | ``queries_bioasq.jsonl`` (2,310) | ``qrels_bioasq.tsv`` |
| ``mirage-bioasq`` | mini-PubMed | MIRAGE ``benchmark.json['bioasq']`` (618, keyed by BioASQ id) | ``qrels_mirage_bioasq.tsv`` |
| ``mirage-pubmedqa`` | mini-PubMed | MIRAGE ``benchmark.json['pubmedqa']`` (500, keyed by PMID) | ``qrels_mirage_pubmedqa.tsv`` |
| ``pubmedqa`` | mini-PubMed | ``queries_pubmedqa_all1000.jsonl`` (1,000) | ``qrels_pubmedqa_all1000.tsv`` |
"""

from __future__ import annotations

import csv
import json
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from biomedqa.errors import ConfigError
from biomedqa.shared_data import shared_path

logger = logging.getLogger(__name__)

Qrels = dict[str, dict[str, int]]
Results = dict[str, dict[str, float]]

MINIPUBMED = ("derived", "minipubmed", "corpus.jsonl.gz")


class Suite(BaseModel):
    """One retrieval benchmark: which corpus to index, the queries and their relevance judgements."""

    name: str
    corpus: list[Path] = Field(description="Corpus files to index")
    index_name: str = Field(description="Base name of the cached index (per corpus)")
    queries: dict[str, str] = Field(description="qid → query text, in file order")
    qrels: Qrels = Field(description="qid → {doc id: relevance}")


def read_qrels(path: Path) -> Qrels:
    """A BEIR/TREC TSV (``query-id, corpus-id, score`` with a header) as ``{qid: {docid: rel}}``."""
    qrels: Qrels = {}
    with path.open(newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(float(row[2]))
    return qrels


def read_jsonl_queries(path: Path, id_key: str = "id", text_key: str = "text") -> dict[str, str]:
    """``{id: text}`` from a JSONL file."""
    out: dict[str, str] = {}
    with path.open() as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                out[str(obj[id_key])] = str(obj[text_key])
    return out


def mirage_queries(subset: str) -> dict[str, str]:
    """MIRAGE questions of one subset (``bioasq`` or ``pubmedqa``), keyed like its qrels."""
    bench = json.loads(shared_path("mirage", "benchmark.json").read_text())
    return {str(qid): str(item["question"]) for qid, item in bench[subset].items()}


def _scifact() -> tuple[list[Path], str, dict[str, str], Qrels]:
    queries = read_jsonl_queries(shared_path("retrieval", "scifact", "claims_dev.jsonl"), text_key="claim")
    qrels = read_qrels(shared_path("derived", "scifact_dev_qrels_cited_beirstyle.tsv"))
    return [shared_path("retrieval", "scifact", "corpus.jsonl.gz")], "scifact", queries, qrels


def _minipubmed(queries: Callable[[], dict[str, str]], qrels_file: str) -> Callable[[], tuple]:  # type: ignore[type-arg]
    def load() -> tuple[list[Path], str, dict[str, str], Qrels]:
        qrels = read_qrels(shared_path("derived", "minipubmed", qrels_file))
        return [shared_path(*MINIPUBMED)], "minipubmed", queries(), qrels

    return load


SUITES: dict[str, Callable[[], tuple]] = {  # type: ignore[type-arg]
    "scifact-dev": _scifact,
    "bioasq": _minipubmed(
        lambda: read_jsonl_queries(shared_path("derived", "minipubmed", "queries_bioasq.jsonl")), "qrels_bioasq.tsv"),
    "mirage-bioasq": _minipubmed(lambda: mirage_queries("bioasq"), "qrels_mirage_bioasq.tsv"),
    "mirage-pubmedqa": _minipubmed(lambda: mirage_queries("pubmedqa"), "qrels_mirage_pubmedqa.tsv"),
    "pubmedqa": _minipubmed(
        lambda: read_jsonl_queries(shared_path("derived", "minipubmed", "queries_pubmedqa_all1000.jsonl")),
        "qrels_pubmedqa_all1000.tsv"),
}


def load_suite(name: str, limit: int | None = None) -> Suite:
    """The suite ``name`` with its first ``limit`` judged queries (all when None).

    Raises:
        ConfigError: unknown suite name, or shared data missing.
    """
    if name not in SUITES:
        raise ConfigError(f"unknown retrieval suite {name!r}.", hint=f"Choose one of: {', '.join(SUITES)}.")
    corpus, index_name, queries, qrels = SUITES[name]()
    judged = {qid: text for qid, text in queries.items() if qrels.get(qid)}
    missing = len(qrels) - len(judged)
    if missing:
        logger.warning("suite %s: %d judged queries have no text and are skipped", name, missing)
    if limit is not None:
        judged = dict(list(judged.items())[:limit])
    return Suite(name=name, corpus=corpus, index_name=index_name, queries=judged,
                 qrels={qid: qrels[qid] for qid in judged})


BIOASQ = ("bioasq", "bioasq_7b-11b_golden.jsonl.gz")
BIOASQ_DEV_TASKS = ("7B", "8B", "9B", "10B")  # 11B is reserved as the final check: never developed on


def bioasq_records() -> list[dict[str, Any]]:
    """Every record of the merged BioASQ 7B-11B golden file (tasks included; filter with BIOASQ_DEV_TASKS)."""
    import gzip

    with gzip.open(shared_path(*BIOASQ), "rt") as f:
        return [json.loads(line) for line in f]


def answer_groups(record: dict[str, Any]) -> list[list[str]]:
    """A record's exact answer as synonym groups (factoid: one group; list: one per item), blanks dropped."""
    groups = [g if isinstance(g, list) else [g] for g in record.get("exact_answer") or []]
    return [kept for g in groups if (kept := [str(s) for s in g if str(s).strip()])]


def bioasq_dev_sample(kind: str, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` BioASQ 7B-10B records of question type ``kind`` that have exact answers, sampled with ``seed``
    (sorted by id, then shuffled: the same sample on every machine)."""
    rows = [r for r in bioasq_records() if r["task"] in BIOASQ_DEV_TASKS and r["type"] == kind and answer_groups(r)]
    rows.sort(key=lambda r: r["id"])
    random.Random(seed).shuffle(rows)
    return rows[:n]
