"""The everyday-phrasing gene dev set and its runner (replayed real NCBI responses, no index, no model)."""

from __future__ import annotations

import collections

from biomedqa.eval.runners.genes import load_dev, run_rows, score, summarize
from biomedqa.settings import Settings


def test_dev_set_is_split_once_and_covers_every_intent() -> None:
    rows = load_dev("all")
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    tune, test = load_dev("tune"), load_dev("test")
    assert len(tune) + len(test) == len(rows) and abs(len(tune) - len(test)) <= 1
    per_intent = collections.Counter(r["intent"] for r in rows)
    assert len(per_intent) == 11 and min(per_intent.values()) >= 10


def test_scoring_follows_geneturing_rules() -> None:
    assert score("snp_location", "chr13", "chr13") == 1.0 and score("snp_location", "chr1", "chr13") == 0.0
    assert score("disease_genes", "KRT12, KRT3", "KRT12, KRT3") == 1.0
    assert score("disease_gene_locations", "7q34, 17q21.31", ["7q34", "8q21.2"]) == 0.5
    assert score("sequence_alignment", "chr15:827-954", "chr15:91950805-91950932") == 0.5
    assert score("gene_function", "MED13: mediator complex subunit 13", ["MED13", "mediator complex"]) == 1.0


async def test_runner_answers_through_the_ask_path(settings: Settings) -> None:
    rows = [r for r in load_dev("tune") if r["intent"] in ("snp_location", "alias_symbol")][:4]
    s = settings.with_overrides({"ncbi.replay": '["geneturing"]', "ncbi.offline": True, "agent.tool_model": False})
    got = await run_rows(s, rows, use_llm=False)
    assert [r["predicted_intent"] for r in got] == [r["intent"] for r in rows]
    assert all(r["score"] == 1.0 and r["how"] == "rules" for r in got)
    assert summarize(got)["accuracy"] == 1.0
