"""The SQL dev set (answers re-executed on the real DB, the seeded split), the call journal and
the ablation runner, with scripted models over the real sample database."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import yaml

from biomedqa.eval.metrics import mcnemar
from biomedqa.eval.runners.sql import score_triples, select_triples
from biomedqa.eval.runners.sql_ablate import ablation_table, run_ablations
from biomedqa.eval.runners.sql_cache import CachedChatModel
from biomedqa.eval.runners.sql_dev import DEV_TRIPLES, SHAPES, SPLIT_SEED, load_dev, per_shape, split_ids
from biomedqa.settings import get_settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.sql import build_sql_tool
from biomedqa.types import Message

REPO = Path(__file__).resolve().parents[2]


def test_dev_answers_are_the_reference_sql_run_on_the_sample_db(shared_data: Path) -> None:
    db = shared_data / "derived" / "biomedsql" / "biomedsql_sample.sqlite"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = load_dev()
    assert len(rows) >= 80 and len({r["question"] for r in rows}) == len(rows)
    for r in rows:
        assert [list(x) for x in conn.execute(r["sql_sqlite"]).fetchall()] == r["answer_rows"], r["id"]
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert all(any(t in r["sql_sqlite"] for r in rows) for t in tables)
    assert set(SHAPES) <= {s for r in rows for s in r["shapes"]}
    conn.close()


def test_split_is_the_seeded_shuffle_and_disjoint_from_prompts(shared_data: Path) -> None:
    rows = load_dev()
    assert {r["id"]: r["split"] for r in rows} == split_ids([r["id"] for r in rows], SPLIT_SEED)
    assert Counter(r["split"] for r in rows) == {"tune": 41, "test": 42}
    notes = yaml.safe_load((REPO / "tools/sql/biomedsql_notes.yaml").read_text())
    sample = (shared_data / "derived/biomedsql/sample_qa_pairs.jsonl").read_text()
    seen = {e["question"] for e in notes["examples"]} | {json.loads(x)["question"] for x in sample.splitlines()}
    assert not seen & {r["question"] for r in rows}
    assert DEV_TRIPLES.exists() and len(select_triples("test", "d01,d02,d03", None)) <= 3


async def test_journal_records_then_replays_offline(tmp_path: Path) -> None:
    inner = ScriptedChatModel({"": '{"sql": "SELECT 1"}'}, reply_logprobs={"SELECT": -0.5})
    cached = CachedChatModel(inner, tmp_path / "calls.jsonl")
    msgs = [Message(role="user", content="q")]
    assert await cached.complete(msgs, temperature=0.7) == '{"sql": "SELECT 1"}'
    assert await cached.reply_logprob(msgs, "SELECT 1") == -0.5
    offline = CachedChatModel(None, tmp_path / "calls.jsonl")
    assert await offline.complete(msgs, temperature=0.7) == '{"sql": "SELECT 1"}' and offline.hits == 1
    assert len(inner.calls) == 1 and offline.model_seconds >= 0.0


async def test_scoring_per_shape_and_ablations_share_the_journal(shared_data: Path, tmp_path: Path) -> None:
    sample_db = shared_data / "derived" / "biomedsql" / "biomedsql_sample.sqlite"
    triples = [t for t in load_dev("tune") if t["id"] in {"d05", "d07", "d13"}] or load_dev("tune")[:3]
    by_q = {t["question"]: t["sql_sqlite"] for t in triples}

    def reply(prompt: str) -> str:
        return json.dumps({"sql": by_q[prompt.rsplit("Question:", 1)[-1].strip()]})

    inner = ScriptedChatModel({'{"sql"': reply})
    llm = CachedChatModel(inner, tmp_path / "calls.jsonl")
    settings = get_settings("default").with_overrides({"sql.url": str(sample_db), "sql.answer_with_llm": False,
                                                       "sql.drafts": 3})
    tool = build_sql_tool(settings, llm)
    results = await score_triples(tool, triples)
    tool.close()
    assert all(r["strict"] and r["relaxed"] for r in results) and len(inner.calls) == 3 * len(triples)
    shapes = per_shape(results)
    assert sum(v["n"] for v in shapes.values()) == sum(len(t["shapes"]) for t in triples)
    rows = await run_ablations(settings, llm, triples, results, score_triples)
    assert [r["relaxed"] for r in rows] == [len(triples)] * 6 and len(inner.calls) == 3 * len(triples)
    # Without shape checks the guard's added ranking column costs the top-k question its strict match.
    assert [r["strict"] for r in rows] == [2, 2, 1, 2, 2, 1]
    assert "k=1" in ablation_table(rows) and rows[1]["mcnemar_strict"]["p"] == 1.0


def test_mcnemar_exact() -> None:
    assert mcnemar([True] * 6, [False] * 6) == {"only_a": 6, "only_b": 0, "p": 0.0312}
    assert mcnemar([True, False], [True, False])["p"] == 1.0
