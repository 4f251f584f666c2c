from __future__ import annotations

import json
from pathlib import Path

import pytest

from biomedqa.settings import Settings


@pytest.fixture
def slice_jsonl(tmp_path: Path, minipubmed_slice: list[dict[str, str]]) -> Path:
    """The first 300 mini-PubMed records as a JSONL file."""
    path = tmp_path / "slice.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in minipubmed_slice[:300]))
    return path


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared settings fixture, with caches (embedding shards, HyDE) in the test's temp dir."""
    return settings.with_overrides({"cache_dir": str(tmp_path / "cache")})
