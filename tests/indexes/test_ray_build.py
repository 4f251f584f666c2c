"""``index build --engine ray`` writes the vectors and the index the local engine writes (Ray runs here, locally)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biomedqa.indexes import build_index, open_index
from biomedqa.settings import Settings


@pytest.fixture
def small_jsonl(slice_jsonl: Path, tmp_path: Path) -> Path:
    """The first 60 slice records (long PubMedQA abstracts among them, so some are chunked)."""
    path = tmp_path / "small.jsonl"
    path.write_text("".join(slice_jsonl.read_text().splitlines(keepends=True)[:60]))
    return path


def _vectors(settings: Settings) -> np.ndarray:
    shards = sorted((settings.cache_dir / "embeddings").glob("*/shard_*.npy"))
    return np.concatenate([np.load(s) for s in shards])


def test_ray_engine_builds_the_local_index(ray_local: object, settings: Settings, small_jsonl: Path,
                                           tmp_path: Path) -> None:
    local_s = settings.with_overrides({"index.shard_size": 40})
    ray_s = local_s.with_overrides({"cache_dir": str(tmp_path / "ray-cache"), "index.engine": "ray",
                                    "index.ray_workers": 2, "index.shards": 2})
    local = build_index([small_jsonl], "local", local_s, progress=False)
    on_ray = build_index([small_jsonl], "ray", ray_s, progress=False)
    assert on_ray.engine == "ray" and local.engine == "local" and len(on_ray.shards) == 2
    assert on_ray.docs == local.docs > 60  # chunked records
    np.testing.assert_allclose(_vectors(ray_s), _vectors(local_s), rtol=1e-5, atol=1e-6)
    a, b = open_index(local_s, "local"), open_index(ray_s, "ray")
    q = _vectors(local_s)[:5]
    (sa, ia), (sb, ib) = a.dense_search(q, 5), b.dense_search(q, 5)
    assert (ia == ib).all() and np.allclose(sa, sb, atol=1e-5)
