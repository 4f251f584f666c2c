"""``biomedqa calibrate``: labelled input checked line by line, files fitted per prompt kind, listed by show."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.agent.calibration import find_fitted
from biomedqa.cli import cli
from biomedqa.cli.calibrate import fit_files, read_labelled
from biomedqa.errors import InputError

YN = {"A": "yes", "B": "no"}


def test_read_labelled_accepts_letters_or_option_texts(tmp_path: Path) -> None:
    f = tmp_path / "l.jsonl"
    f.write_text(json.dumps({"question": "Q1?", "options": YN, "answer": "B"}) + "\n\n"
                 + json.dumps({"id": "x", "question": "Q2?", "options": YN, "answer": "Yes"}) + "\n")
    items = read_labelled(f)
    assert [(i["qid"], i["answer"]) for i in items] == [("1", "B"), ("x", "A")]
    f.write_text(json.dumps({"question": "Q?", "options": YN, "answer": "maybe"}) + "\n")
    with pytest.raises(InputError, match=r"l.jsonl:1: needs a question"):
        read_labelled(f)
    f.write_text("not json\n")
    with pytest.raises(InputError, match=r"l.jsonl:1: not a labelled question"):
        read_labelled(f)


def test_fit_files_then_show(home: Path) -> None:
    rows = [{"options": YN, "gold": "A" if p > 0.9 else "B", "scores": {"A": math.log(p), "B": math.log(1 - p)}}
            for p in (0.6, 0.75, 0.85, 0.93, 0.97) * 6]
    written = fit_files({"rag": rows, "cot": rows[:10]}, model="qwen-x", folder=home / "calibration", name="mine")
    assert [(w["mode"], w["n"]) for w in written] == [("rag", 30)]  # 10 cot rows are too few to fit
    fitted = find_fitted("qwen-x", YN, True, home / "calibration")
    assert fitted is not None and fitted.fitted_on == "mine (n=30)"
    r = CliRunner().invoke(cli, ["calibrate", "show"])
    assert r.exit_code == 0, r.output
    assert "agent.calibration = auto" in r.output and "qwen-x.yes-no.evidence.json" in r.output
    r = CliRunner().invoke(cli, ["calibrate", "fit", "--data", str(home / "missing.jsonl")])
    assert r.exit_code == 2 and "does not exist" in r.output
