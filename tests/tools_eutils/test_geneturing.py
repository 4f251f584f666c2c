"""GeneGPT's scoring rules on hand-made cases, and the runner end to end on a few replayed questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.eval.runners.geneturing import command, load_questions, normalize, score


@pytest.mark.parametrize("pred,gold,task,expected", [
    ("Answer: PSMB10", "PSMB10", "Gene alias", 1.0),
    ("psmb10", "PSMB10", "Gene alias", 0.0),
    ("Answer: 8", "chr8", "Gene location", 1.0),
    ("It is on chrY", "chrY", "Gene location", 1.0),
    ("13", "chr13", "SNP location", 1.0),
    ("Yes", "TRUE", "Protein-coding genes", 1.0),
    ("No", "NA", "Protein-coding genes", 1.0),
    ("Answer: Yes", "NA", "Protein-coding genes", 0.0),
    ("Caenorhabditis elegans", "worm", "Multi-species DNA aligment", 1.0),
    ("Answer: Danio rerio", "zebrafish", "Multi-species DNA aligment", 1.0),
    ("chr15:91950805-91950932", "chr15:91950805-91950932", "Human genome DNA aligment", 1.0),
    ("chr15:1-128", "chr15:91950805-91950932", "Human genome DNA aligment", 0.5),
    ("chr1:91950805-91950932", "chr15:91950805-91950932", "Human genome DNA aligment", 0.0),
    ("Answer: SLC4A1, KCNJ1", "SLC4A1, ATP6V0A4", "Gene disease association", 0.5),
    ("SLC4A1, ATP6V0A4, CA2", "SLC4A1, ATP6V0A4", "Gene disease association", 1.0),
    ("SLC4A1,ATP6V0A4", "SLC4A1, ATP6V0A4", "Gene disease association", 0.0),
    ("LINC01270", "LINC01270", "Gene SNP association", 1.0),
])
def test_genegpt_scoring(pred: str, gold: str, task: str, expected: float) -> None:
    assert score(pred, gold, task) == expected


def test_normalize_lists_and_location() -> None:
    assert normalize("Answer: A, B", "Gene disease association") == ["A", "B"]
    assert normalize("", "SNP location") == "chr"


def test_load_questions_filters_tasks() -> None:
    items = load_questions(("snp location",), limit=3)
    assert len(items) == 3 and {i["task"] for i in items} == {"SNP location"}
    assert len(load_questions()) == 450


def test_runner_cli_writes_json_and_markdown(tmp_path: Path, shared_data: Path) -> None:  # GeneTuring lives there
    out = tmp_path / "gt"
    result = CliRunner().invoke(command, ["--task", "SNP location", "--task", "Gene alias", "--limit", "3",
                                          "--no-llm", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 6 and summary["tasks"]["SNP location"]["score"] == 1.0
    assert summary["cache_hit_rate"] > 0.9 and summary["calls_per_q"] >= 1
    assert "| SNP location | 3 |" in (out / "report.md").read_text()
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert all(r["requests"] for r in rows)
