"""The SQL development set: 83 hand-written triples over the BiomedSQL sample DB, split once.

``tests/data/sql/dev_triples.jsonl`` holds question / SQLite SQL / answer rows / shape tags; the
answers are the reference SQL executed on the sample database. The split into tune and test was
made once by ``split_ids(ids, SPLIT_SEED)`` (a seeded shuffle, first half tune) and is stored in
each row; rules are developed on tune only and results are reported on test.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEV_TRIPLES = Path(__file__).resolve().parents[2] / "tests" / "data" / "sql" / "dev_triples.jsonl"
SPLIT_SEED = 15
SHAPES = ("text", "numeric", "topk", "count", "aggregate", "group", "join", "null", "two_col", "empty")


def split_ids(ids: list[str], seed: int = SPLIT_SEED) -> dict[str, str]:
    """id → "tune" | "test": shuffle with ``random.Random(seed)``, first half tune."""
    order = list(ids)
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return {i: ("tune" if n < half else "test") for n, i in enumerate(order)}


def load_dev(split: str | None = None, path: Path = DEV_TRIPLES) -> list[dict[str, Any]]:
    """The dev triples, optionally one split ("tune" or "test"), with ``i`` set to the id."""
    if not path.exists():
        from biomedqa.errors import ConfigError

        raise ConfigError(f"dev triples {path} not found.", hint="Run from a source checkout of biomedqa.")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{**r, "i": r["id"]} for r in rows if split in (None, r["split"])]


def per_shape(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Shape tag → {n, strict, relaxed} over the results that carry ``shapes``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "strict": 0, "relaxed": 0})
    for r in results:
        for tag in r.get("shapes") or []:
            out[tag]["n"] += 1
            out[tag]["strict"] += int(bool(r["strict"]))
            out[tag]["relaxed"] += int(bool(r["relaxed"]))
    return {k: out[k] for k in [*SHAPES, *sorted(set(out) - set(SHAPES))] if k in out}


