"""Loading a replay set: every way it can be unusable is a typed one-line error, raised when the agent
is built (``Deps.check``) or when a node builds the toolbox, never swallowed into per-request misses."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.runtime import Runtime

from biomedqa.agent.nodes.answer_tools import answer_tools
from biomedqa.agent.nodes.call_tools import call_tools
from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.errors import ConfigError, SharedDataMissingError
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_data_dir
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.eutils.replay import check_recordings

QUESTION = "Which chromosome carries the SNP rs1316126938?"


@pytest.fixture
def no_shared_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BIOMEDQA_SHARED_DATA", "/nonexistent")
    shared_data_dir.cache_clear()
    yield
    shared_data_dir.cache_clear()


def replaying(settings: Settings, *paths: str) -> Settings:
    return settings.with_overrides({"ncbi.replay": json.dumps(list(paths)), "ncbi.offline": True})


@pytest.mark.usefixtures("no_shared_data")
def test_agent_refuses_an_alias_without_shared_data(settings: Settings) -> None:
    with pytest.raises(SharedDataMissingError) as e:
        Agent(deps=Deps(replaying(settings, "geneturing"), llm=ScriptedChatModel()))
    assert e.value.exit_code == 2 and e.value.path == "/nonexistent" and "\n" not in str(e.value)


def test_recording_files_that_are_not_recordings(tmp_path: Path) -> None:
    (gz := tmp_path / "broken.jsonl.gz").write_bytes(b"not gzip at all")
    (folder := tmp_path / "folder.jsonl").mkdir()
    (shapeless := tmp_path / "shapeless.jsonl").write_text('{"a": 1}\n[1, 2]\n')
    for path, says in ((gz, "not a recording (unreadable"), (folder, "not a recording"),
                       (shapeless, "holds no recorded NCBI responses")):
        with pytest.raises(ConfigError) as e:
            check_recordings([path])
        assert says in str(e.value) and "\n" not in str(e.value), path
    assert check_recordings([shapeless], offline=False) == [shapeless]  # empty, but live fills the misses


def test_a_real_recording_passes_the_check(tmp_path: Path) -> None:
    row = {"url": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?db=gene&term=x", "response": "{}"}
    with gzip.open(path := tmp_path / "rec.jsonl.gz", "wt") as f:
        f.write(json.dumps(row) + "\n")
    assert check_recordings([path]) == [path]


@pytest.mark.parametrize("node", [answer_tools, call_tools])
async def test_tool_nodes_do_not_swallow_a_toolbox_that_cannot_be_built(
    node: object, settings: Settings, tmp_path: Path
) -> None:
    deps = Deps(replaying(settings, str(tmp_path / "gone.jsonl")), llm=ScriptedChatModel())  # not checked
    with pytest.raises(ConfigError, match="does not exist"):
        await node({"question": QUESTION, "events": []}, Runtime(context=deps))  # type: ignore[operator]
