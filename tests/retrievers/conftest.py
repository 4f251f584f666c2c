from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from biomedqa.indexes import LocalIndex, build_index, open_index
from biomedqa.indexes.embed import load_embedder
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings, get_settings


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("rhome")
    return get_settings("default").with_overrides({"home": str(home / "home"), "cache_dir": str(home / "cache")})


@pytest.fixture(scope="session")
def minilm(real_settings: Settings) -> Embedder:
    """The real bundled all-MiniLM-L6-v2 embedder."""
    return load_embedder(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings: Settings, minilm: Embedder, minipubmed_slice: list[dict[str, str]],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """A real MiniLM + BM25 index over the first 100 mini-PubMed records (PubMedQA abstracts)."""
    path = tmp_path_factory.mktemp("corpus") / "slice.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in minipubmed_slice[:100]))
    build_index([path], "real", real_settings, embedder=minilm, progress=False)
    index = open_index(real_settings, "real", embedder=minilm)
    yield index
    index.close()


@pytest.fixture(scope="session")
def pubmedqa_questions(shared_data: Path, minipubmed_slice: list[dict[str, str]]) -> dict[str, str]:
    """PubMedQA questions whose gold abstract (same PMID) is in the 100-record slice: {pmid: question}."""
    in_slice = {r["pmid"] for r in minipubmed_slice[:100]}
    out: dict[str, str] = {}
    with (shared_data / "derived/minipubmed/queries_pubmedqa_all1000.jsonl").open() as f:
        for line in f:
            q = json.loads(line)
            if q["id"] in in_slice:
                out[q["id"]] = q["text"]
            if len(out) >= 40:
                break
    return out


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared settings fixture, with caches (embedding shards, HyDE) in the test's temp dir."""
    return settings.with_overrides({"cache_dir": str(tmp_path / "cache")})
