"""The bundled demo corpus (package data) and the demo index built from it on first use."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from biomedqa.indexes.demo import DEMO_DOCS, DEMO_FILE, demo_corpus, demo_exists, ensure_demo_index, write_demo_corpus
from biomedqa.indexes.local import open_index
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder


def test_demo_corpus_is_package_data_with_licence() -> None:
    path = demo_corpus()
    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    assert len(rows) == DEMO_DOCS == len({r["pmid"] for r in rows})
    assert all(r["pmid"].isdigit() and r["title"] and "CONCLUSIONS: " in r["text"] for r in rows)
    assert path.stat().st_size < 5_000_000
    licence = (path.parent / "LICENSE").read_text()
    assert "MIT License" in licence and "Copyright (c) 2019 pubmedqa" in licence
    attribution = (path.parent / "ATTRIBUTION.md").read_text()
    assert "github.com/pubmedqa/pubmedqa" in attribution and "1cbae8e92f72f20c8d3747cbb3bf5bc53554d997" in attribution


def test_demo_corpus_rebuilds_byte_for_byte(tmp_path: Path, shared_data: Path) -> None:
    ori = shared_data / "pubmedqa" / "ori_pqal.json"
    out = tmp_path / DEMO_FILE
    assert write_demo_corpus(ori, out) == DEMO_DOCS
    assert out.read_bytes() == demo_corpus().read_bytes()


def test_demo_index_is_built_once(settings: Settings) -> None:
    assert not demo_exists(settings)
    info = ensure_demo_index(settings, embedder=HashEmbedder(64), progress=False)
    assert info.name == "demo" and info.records == DEMO_DOCS and info.docs >= DEMO_DOCS
    assert demo_exists(settings)
    again = ensure_demo_index(settings, embedder=HashEmbedder(64), progress=False)
    assert again.created == info.created  # opened, not rebuilt
    index = open_index(settings, "demo")
    assert index.get(["21645374"])[0].title.startswith("Do mitochondria play a role")
    index.close()
