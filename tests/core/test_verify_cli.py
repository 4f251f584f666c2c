"""``biomedqa verify`` and ``biomedqa eval verify`` on real data (an index built from real records)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.claims import verify
from biomedqa.cli import cli
from biomedqa.eval.runners.verify import build_suite, summarize
from biomedqa.indexes import build_index
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_path
from biomedqa.testing import HashEmbedder

CLAIM = "Pembrolizumab required a companion diagnostic test, Dako's IHC 22C3, to assess PD-L1 status."


def _index(settings: Settings, tmp_path: Path) -> None:
    rows = []
    with gzip.open(shared_path("derived", "minipubmed", "corpus.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if len(rows) < 50 or r["pmid"] == "28293123":
                rows.append(r)
            if any(x["pmid"] == "28293123" for x in rows) and len(rows) >= 50:
                break
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    build_index([path], "mini", settings, embedder=HashEmbedder(64), progress=False)


def test_verify_command_and_api(settings: Settings, tmp_path: Path) -> None:
    _index(settings, tmp_path)
    r = CliRunner().invoke(cli, ["verify", CLAIM, "--pmid", "28293123", "--index", "mini", "--json", "--no-model"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["verdict"] == "supported" and "IHC 22C3" in out["quote"]
    r = CliRunner().invoke(cli, ["verify", CLAIM.replace("PD-L1", "HER2"), "--pmid", "28293123", "--index", "mini",
                                 "--no-model"])  # fmt: skip
    assert r.exit_code == 1 and r.output.startswith("partial (PMID 28293123): not in the cited passage: name HER2")
    check = verify("Pembrolizumab required 2 companion tests.", pmid="28293123", index="mini", settings=settings)
    assert check.verdict == "unsupported" and "number 2" in check.reason


def test_verify_command_bad_input_is_one_line(settings: Settings, tmp_path: Path) -> None:
    _index(settings, tmp_path)
    for args, code, start in (
        (["x y z", "--pmid", "abc", "--index", "mini"], 2, "Error: 'abc' is not a PMID."),
        (["  ", "--pmid", "1", "--index", "mini"], 2, "Error: the claim is empty."),
        (["x y z", "--pmid", "999999999", "--index", "mini"], 2, "Error: index 'mini' has no article with PMID"),
        (["x y z", "--pmid", "1", "--index", "none"], 3, "Error: no index named 'none'"),
    ):
        r = CliRunner().invoke(cli, ["verify", *args])
        assert r.exit_code == code and r.output.startswith(start) and r.output.count("\n") == 1, r.output


def test_perturbation_suite_is_deterministic_and_scored() -> None:
    suite = build_suite(seed=3, n=40)
    assert suite == build_suite(seed=3, n=40)
    assert sum(c["kind"] == "real" for c in suite) == 40 and len(suite) > 60
    assert {c["kind"] for c in suite} >= {"real", "number", "negation"}
    for before, c in zip(suite, suite[1:], strict=False):  # each changed claim follows its real one
        if c["kind"] != "real":
            assert before["kind"] == "real" and c["pmid"] == before["pmid"] and c["claim"] != before["claim"]
    rows = [{**c, "verdict": "supported" if c["kind"] == "real" else "unsupported", "reason": ""} for c in suite]
    s = summarize(rows)
    assert s["recall_supported"] == 1.0 and s["changed_rejection_rate"] == 1.0 and s["precision_supported"] == 1.0


@pytest.mark.usefixtures("shared_data")  # replays ../shared/data; the CLI makes its absence exit 2, no generic skip
def test_eval_verify_command(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["eval", "verify", "--seed", "3", "--n", "30", "--out", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["real"] == 30 and out["tasks"] == ["7B", "8B", "9B", "10B"] and not out["model"]
    assert out["recall_supported"] >= 0.8 and out["changed_rejection_rate"] >= 0.8
    assert (tmp_path / "verify-s3-n30.jsonl").is_file()
