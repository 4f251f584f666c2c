"""``biomedqa batch`` through CliRunner, with a fake agent and real PubMedQA questions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from biomedqa.cli import cli
from tests.frontdoors.fakes import FakeAgent


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["batch", *args])
    return result.exit_code, result.stdout, result.stderr


def test_good_file_in_input_order(tmp_path: Path, fake_agent: FakeAgent, pqa10: list[tuple[str, str]]) -> None:
    src = write_csv(tmp_path / "q.csv", [["id", "question"], *[[p, q] for p, q in pqa10]])
    code, _, err = invoke(str(src), "--out", str(tmp_path / "a.csv"), "--concurrency", "3")
    rows = read_csv(tmp_path / "a.csv")
    assert code == 0, err
    assert [r["id"] for r in rows] == [p for p, _ in pqa10]
    assert list(rows[0]) == ["id", "question", "answer", "choice", "pmids", "grounded", "support", "seconds", "error"]
    assert rows[0]["answer"].startswith("Answer to: ") and rows[0]["choice"] == "yes"
    assert rows[0]["pmids"].isdigit() and rows[0]["grounded"] == "true" and rows[0]["support"] == "supported"
    assert "10 rows: 10 ok, 0 with errors" in err
    assert not (tmp_path / "a.csv.journal.jsonl").exists()


def test_missing_column_lists_columns(tmp_path: Path, fake_agent: FakeAgent) -> None:
    src = write_csv(tmp_path / "q.csv", [["id", "query"], ["1", "Does aspirin help?"]])
    code, _, err = invoke(str(src), "--out", str(tmp_path / "a.csv"))
    assert code == 2
    assert "no column 'question'" in err and "columns found: id, query" in err
    assert "Traceback" not in err and fake_agent.calls == []


def test_bom_and_latin1_files(tmp_path: Path, fake_agent: FakeAgent) -> None:
    bom = write_csv(tmp_path / "bom.csv", [["id", "question"], ["1", "Is café au lait safe?"]], "utf-8-sig")
    latin = write_csv(tmp_path / "latin.csv", [["question"], ["Does Sjögren syndrome\nrecur?"], [""]], "latin-1")
    assert invoke(str(bom), "--out", str(tmp_path / "a.csv"))[0] == 0
    assert read_csv(tmp_path / "a.csv")[0]["question"] == "Is café au lait safe?"
    code, _, err = invoke(str(latin), "--out", str(tmp_path / "b.csv"))
    rows = read_csv(tmp_path / "b.csv")
    assert code == 0 and "not valid UTF-8" in err and "cp1252" in err
    assert [(r["id"], r["question"]) for r in rows] == [("1", "Does Sjögren syndrome\nrecur?")]


def test_bad_rows_are_recorded_and_run_goes_on(tmp_path: Path, fake_agent: FakeAgent) -> None:
    huge = "why " * 2000
    src = write_csv(
        tmp_path / "q.csv",
        [["id", "question"], ["a", "ok one?"], ["b", "FAIL me"], ["c", "  "], ["d", huge], ["e", "ok two?"]],
    )
    code, _, err = invoke(str(src), "--out", str(tmp_path / "a.csv"))
    rows = {r["id"]: r for r in read_csv(tmp_path / "a.csv")}
    assert code == 1
    assert "5 rows: 2 ok, 3 with errors" in err
    assert rows["b"]["error"].startswith("RuntimeError: scripted failure") and rows["b"]["answer"] == ""
    assert rows["c"]["error"] == "empty question"
    assert "limit is 4000" in rows["d"]["error"]
    assert rows["a"]["error"] == "" and rows["e"]["error"] == ""
    assert [c["question"] for c in fake_agent.calls] == ["ok one?", "FAIL me", "ok two?"]


def test_jsonl_in_and_out_with_options(tmp_path: Path, fake_agent: FakeAgent) -> None:
    src = tmp_path / "q.jsonl"
    src.write_text(
        json.dumps({"id": "m1", "question": "Best drug?", "A": "x", "B": "y"})
        + "\n\n"
        + json.dumps({"id": "m2", "question": "Worst drug?", "A": "z", "B": ""})
        + "\n"
    )
    code, out, err = invoke(str(src), "--out", str(tmp_path / "a.jsonl"), "--options-cols", "A,B", "--json")
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert code == 0, err
    assert [x["id"] for x in lines] == ["m1", "m2"] and isinstance(lines[0]["pmids"], list)
    assert lines[0]["grounded"] is True and lines[0]["error"] is None
    assert [c["options"] for c in fake_agent.calls] == [{"A": "x", "B": "y"}, {"A": "z"}]
    assert json.loads(out)["ok"] == 2


def test_rerun_skips_finished_rows(tmp_path: Path, fake_agent: FakeAgent) -> None:
    src = write_csv(tmp_path / "q.tsv", [["question"], ["one?"], ["two?"]])
    src.write_text(src.read_text().replace(",", "\t"))
    assert invoke(str(src), "--out", str(tmp_path / "a.csv"))[0] == 0
    code, out, _ = invoke(str(src), "--out", str(tmp_path / "a.csv"), "--json")
    assert code == 0 and json.loads(out)["resumed"] == 2 and json.loads(out)["answered"] == 0
    assert len(fake_agent.calls) == 2 and len(read_csv(tmp_path / "a.csv")) == 2


def test_usage_errors_exit_2(tmp_path: Path, fake_agent: FakeAgent) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("\n \n")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"id,question\x00\x01\x02")
    assert invoke(str(empty), "--out", str(tmp_path / "a.csv"))[0] == 2
    assert "is empty" in invoke(str(empty), "--out", str(tmp_path / "a.csv"))[2]
    assert "not a text file" in invoke(str(binary), "--out", str(tmp_path / "a.csv"))[2]
    assert "No such file" in invoke(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "a.csv"))[2]
    code, _, err = invoke(str(empty), "-o", str(tmp_path / "a.csv"))  # the old output flag
    assert code == 2 and "--out FILE" in err and err.count("\n") == 1


def test_retry_errors_answers_only_failed_rows(tmp_path: Path, fake_agent: FakeAgent) -> None:
    src = write_csv(tmp_path / "q.csv", [["id", "question"], ["a", "fine?"], ["b", "FAIL once"]])
    assert invoke(str(src), "--out", str(tmp_path / "a.csv"))[0] == 1
    fake_agent.fail_on = ()
    assert invoke(str(src), "--out", str(tmp_path / "a.csv"))[0] == 1  # plain rerun keeps the recorded error
    code, _, err = invoke(str(src), "--out", str(tmp_path / "a.csv"), "--retry-errors")
    assert code == 0, err
    assert [c["question"] for c in fake_agent.calls] == ["fine?", "FAIL once", "FAIL once"]
    assert [r["error"] for r in read_csv(tmp_path / "a.csv")] == ["", ""]


def test_output_must_not_overwrite_input(tmp_path: Path, fake_agent: FakeAgent) -> None:
    src = write_csv(tmp_path / "q.csv", [["question"], ["one?"]])
    code, _, err = invoke(str(src), "--out", str(src))
    assert code == 2 and "is also the input file" in err
    assert read_csv(src) == [{"question": "one?"}] and fake_agent.calls == []
