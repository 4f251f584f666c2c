"""Fixtures for the CLI-convention tests: a fake agent that records the settings each command built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from biomedqa.cli import use_agent_factory
from biomedqa.settings import Settings
from tests.frontdoors.fakes import FakeAgent


class Recorder:
    """The settings every agent was built with, and the one fake agent they all share."""

    def __init__(self) -> None:
        self.agent = FakeAgent()
        self.settings: list[Settings] = []

    def __call__(self, settings: Settings) -> FakeAgent:
        self.settings.append(settings)
        return self.agent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh BIOMEDQA_HOME (and no cache_dir of the developer's)."""
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BIOMEDQA_CACHE_DIR", raising=False)
    return tmp_path / "home"


@pytest.fixture
def recorder(home: Path) -> Iterator[Recorder]:
    rec = Recorder()
    with use_agent_factory(rec):
        yield rec
