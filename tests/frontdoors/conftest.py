"""Fixtures for the front-door tests: real PubMedQA questions and a fake agent wired into the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from biomedqa.cli import use_agent_factory
from biomedqa.shared_data import shared_data_dir
from tests.frontdoors.fakes import FakeAgent


def pubmedqa_questions(n: int) -> list[tuple[str, str]]:
    """The first ``n`` (PMID, question) pairs of the real PubMedQA PQA-L file."""
    data = json.loads((shared_data_dir() / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    return [(pmid, item["QUESTION"]) for pmid, item in list(data.items())[:n]]


@pytest.fixture(scope="session")
def pqa10() -> list[tuple[str, str]]:
    return pubmedqa_questions(10)


@pytest.fixture
def fake_agent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeAgent]:
    """A FakeAgent that ``biomedqa batch`` and ``biomedqa chat`` will use (questions with 'FAIL' fail)."""
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "home"))
    agent = FakeAgent(fail_on=("FAIL",))
    with use_agent_factory(lambda settings: agent):
        yield agent
