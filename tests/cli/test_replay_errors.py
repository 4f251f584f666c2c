"""A replay set that cannot be loaded is one ``Error:`` line (exit code 2) before anything runs, not an
"NCBI: not recorded" miss on every request: the ``geneturing`` alias without the shared data, a missing
recording file, or a file that is not a recording, given as ``--replay`` or as ``-o ncbi.replay=...``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.shared_data import shared_data_dir

QUESTION = "Which chromosome carries the SNP rs1316126938?"


@pytest.fixture
def no_shared_data(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BIOMEDQA_SHARED_DATA", "/nonexistent")
    shared_data_dir.cache_clear()
    yield
    shared_data_dir.cache_clear()


def one_error_line(args: list[str]) -> str:
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.output and r.stdout == "" and "not recorded" not in r.output
    return r.stderr


@pytest.mark.usefixtures("no_shared_data")
def test_replay_alias_without_shared_data_is_one_error_line() -> None:
    err = one_error_line(["ask", QUESTION, "--replay", "geneturing"])
    assert "'geneturing'" in err and "/nonexistent" in err and "BIOMEDQA_SHARED_DATA" in err
    err = one_error_line(["ask", QUESTION, "-o", 'ncbi.replay=["geneturing"]', "-o", "ncbi.offline=true"])
    assert "'geneturing'" in err and "/nonexistent" in err  # the setting, checked when the agent is built


@pytest.mark.usefixtures("home")
def test_missing_or_unreadable_recording_file_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl.gz"
    assert f"replay file {missing} does not exist" in one_error_line(["ask", QUESTION, "--replay", str(missing)])
    setting = f"ncbi.replay={json.dumps([str(missing)])}"
    err = one_error_line(["ask", QUESTION, "-o", setting, "-o", "ncbi.offline=true"])
    assert f"replay file {missing} does not exist" in err
    (bad := tmp_path / "bad.jsonl").write_text("not json\n")
    assert f"replay file {bad} is not a recording (line 1" in one_error_line(["ask", QUESTION, "--replay", str(bad)])
    (empty := tmp_path / "empty.jsonl").write_text("")
    assert "holds no recorded NCBI responses" in one_error_line(["ask", QUESTION, "--replay", str(empty)])
