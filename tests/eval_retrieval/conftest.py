from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.settings import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared settings fixture, with caches (embedding shards, HyDE) in the test's temp dir."""
    return settings.with_overrides({"cache_dir": str(tmp_path / "cache")})
