"""``biomedqa sql`` through click's CliRunner, with the model seam scripted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.deps import Deps
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.sql.commands import sql_command

from .conftest import answer_json, sql_json

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"


@pytest.fixture
def scripted_deps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path))
    llm = ScriptedChatModel({'{"answer"': answer_json("Haloperidol Lactate has a black box warning [1]."),
                             '{"sql"': sql_json(f"SELECT drugName FROM {D} WHERE blackBoxWarning = 1")})
    monkeypatch.setattr(Deps, "llm", property(lambda self: llm))


def test_sql_command_prints_sql_rows_and_answer(scripted_deps: None, sample_db: Path) -> None:
    result = CliRunner().invoke(sql_command, ["Which drug has a black box warning?", "--db", str(sample_db)])
    assert result.exit_code == 0, result.output
    assert 'SELECT "drugName"' in result.output and "Haloperidol Lactate" in result.output
    assert f"[sql:{D}:1]" in result.output


def test_sql_command_json(scripted_deps: None, sample_db: Path) -> None:
    result = CliRunner().invoke(sql_command, ["Which drug has a black box warning?", "--db", str(sample_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows"] == [["Haloperidol Lactate"]] and data["tables"] == [D] and data["repairs"] == 0


def test_sql_command_missing_db_is_a_one_line_error(scripted_deps: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(sql_command, ["q", "--db", str(tmp_path / "nope.sqlite")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_question_naming_nothing_asks_for_clarification(scripted_deps: None, sample_db: Path) -> None:
    result = CliRunner().invoke(sql_command, ["x", "--db", str(sample_db)])
    assert result.exit_code == 2 and "Needs clarification" in result.output
    assert "Which data do you mean?" in result.output
    assert "SELECT" not in result.output


def test_black_box_question_is_answered_from_the_flag(scripted_deps: None, sample_db: Path) -> None:
    result = CliRunner().invoke(sql_command, ["Which drug carries an FDA black box warning?", "--db", str(sample_db)])
    assert result.exit_code == 0 and "Haloperidol Lactate" in result.output and "no such record" not in result.output
