"""``batch --engine ray``: Ray actors answer the rows; journal, resume and output equal the local engine's."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from biomedqa.batch import run_batch
from biomedqa.errors import ConfigError
from biomedqa.settings import Settings
from tests.frontdoors.fakes import FakeAgent

FACTORY = "tests.frontdoors.test_batch_ray:make_agent"


def make_agent(settings: Settings) -> FakeAgent:
    """What each actor (and the local run) builds: the fake agent, failing on questions with 'FAIL'."""
    return FakeAgent(settings, fail_on=("FAIL",), delay=0.01)


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "question"], *rows])
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]


async def test_ray_batch_equals_local_and_resumes(ray_local: Any, tmp_path: Path,
                                                  pqa10: list[tuple[str, str]]) -> None:
    from biomedqa.batch.ray import RayAgentPool

    rows = [[p, q] for p, q in pqa10] + [["bad", "FAIL on purpose"], ["empty", " "]]
    src = _csv(tmp_path / "q.csv", rows)
    settings = Settings.model_validate({})
    local = await run_batch(make_agent(settings), src, tmp_path / "local.csv", concurrency=2, progress=False)
    pool = RayAgentPool(settings, workers=2, factory=FACTORY)
    try:
        assert pool.threads == 1  # two actors on two CPUs: one thread each
        await run_batch(pool, _csv(tmp_path / "first.csv", rows[:4]), tmp_path / "ray.csv", concurrency=2,
                        progress=False)
        report = await run_batch(pool, src, tmp_path / "ray.csv", concurrency=2, progress=False)
    finally:
        pool.close()
    assert report.resumed == 4 and report.answered == len(rows) - 4
    assert (report.ok, report.errors) == (local.ok, local.errors) == (10, 2)
    assert _read(tmp_path / "ray.csv") == _read(tmp_path / "local.csv")
    assert not (tmp_path / "ray.csv.journal.jsonl").exists()
    with pytest.raises(ConfigError, match="could not start.*nope"):
        RayAgentPool(settings, workers=1, factory="tests.frontdoors.nope:make_agent")

