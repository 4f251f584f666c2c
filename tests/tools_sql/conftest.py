"""Fixtures for the SQL tool: the real BiomedSQL sample DB (read-only, checksummed), scripted
models, and a throwaway PostgreSQL server started by .ci/postgres.sh."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from biomedqa.hashing import sha256_file
from biomedqa.settings import Settings, get_settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.sql import SqlTool, build_sql_tool

REPO = Path(__file__).resolve().parents[2]
ToolFactory = Callable[..., SqlTool]


@pytest.fixture(scope="session")
def sample_db(shared_data: Path) -> Iterator[Path]:
    """The shared sample DB; its sha256 must be the same after the whole session."""
    path = shared_data / "derived" / "biomedsql" / "biomedsql_sample.sqlite"
    before = sha256_file(path)
    yield path
    assert sha256_file(path) == before, "the sample database was modified"


@pytest.fixture(scope="session")
def triples(shared_data: Path) -> list[dict[str, object]]:
    path = shared_data / "derived" / "biomedsql" / "sample_qa_pairs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sql_json(sql: str) -> str:
    return json.dumps({"sql": sql})


def answer_json(text: str) -> str:
    return json.dumps({"answer": text})


@pytest.fixture
def sql_settings(sample_db: Path) -> Settings:
    return get_settings("default").with_overrides({"sql.url": str(sample_db), "sql.timeout_s": 5.0})


@pytest.fixture
def make_tool(sql_settings: Settings) -> Iterator[ToolFactory]:
    """Build a SqlTool whose model replies with SQL drafts in order, then answers (one draft per round)."""
    built: list[SqlTool] = []

    def make(*drafts: str, answer: str = "See the rows [1].", url: str | None = None, **over: object) -> SqlTool:
        queue = list(drafts)
        # One greedy draft per round and no shape checks unless asked: these tests drive the repair loop.
        base: dict[str, object] = {"sql.drafts": 1, "sql.shape_checks": False}
        settings = sql_settings.with_overrides({**base, **({"sql.url": url} if url else {}), **over})

        def next_draft(_prompt: str) -> str:
            return sql_json(queue.pop(0) if len(queue) > 1 else queue[0])

        llm = ScriptedChatModel({'{"answer"': answer_json(answer), '{"sql"': next_draft})
        tool = build_sql_tool(settings, llm)
        built.append(tool)
        return tool

    yield make
    for t in built:
        t.close()


@pytest.fixture(scope="session")
def pg_url(sample_db: Path) -> Iterator[str]:
    """A PostgreSQL URL with the sample tables: $BIOMEDQA_TEST_PG_URL, or a server from .ci/postgres.sh."""
    if os.environ.get("BIOMEDQA_TEST_PG_URL"):
        yield os.environ["BIOMEDQA_TEST_PG_URL"]
        return
    proc = subprocess.run(
        ["bash", str(REPO / ".ci" / "postgres.sh"), "start", str(sample_db)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"PostgreSQL cannot be started here: {proc.stderr.strip().splitlines()[-1:]}")
    env = dict(line.removeprefix("export ").split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    try:
        yield env["BIOMEDQA_TEST_PG_URL"]
    finally:
        subprocess.run(["bash", str(REPO / ".ci" / "postgres.sh"), "stop", env["BIOMEDQA_TEST_PG_DIR"]],
                       capture_output=True, timeout=60, check=False)
