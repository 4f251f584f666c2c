"""The bundled demo index: PubMedQA's 1,000 expert-labelled abstracts, shipped as package data.

A fresh install has no index of its own, no ``../shared`` and maybe no network. The first question
asked there (``retrieval.source=auto``), or any question with ``retrieval.source=demo``, builds the
``demo`` index from ``demo_data/pubmedqa_pqal.jsonl.gz`` (MIT, see ``demo_data/ATTRIBUTION.md``)
with the normal build, progress bar included, and every later run opens it like any other index.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from biomedqa.errors import IndexNotFoundError
from biomedqa.indexes.build import build_index
from biomedqa.indexes.local import LocalIndex, open_index
from biomedqa.indexes.manifest import IndexInfo
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

DEMO_NAME = "demo"
DEMO_FILE = "pubmedqa_pqal.jsonl.gz"
DEMO_DOCS = 1000
DEMO_LABEL = "the bundled demo index (1,000 PubMedQA abstracts)"


def demo_corpus() -> Path:
    """The packaged demo corpus file (inside the installed package, or the source tree)."""
    res = resources.files("biomedqa.indexes") / "demo_data" / DEMO_FILE
    with resources.as_file(res) as path:  # a real file for both wheels and editable installs
        return Path(path)


def demo_exists(settings: Settings) -> bool:
    """Whether the demo index has been built (its manifest exists) under ``settings.index_dir``."""
    from biomedqa.indexes.manifest import MANIFEST

    return (settings.index_dir / DEMO_NAME / MANIFEST).is_file()


@contextlib.contextmanager
def _build_lock(settings: Settings) -> Iterator[None]:
    """One builder at a time (two ``batch`` workers asking their first question together)."""
    import fcntl

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with (settings.index_dir / f".{DEMO_NAME}.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_demo_index(settings: Settings, *, embedder: Embedder | Callable[[], Embedder] | None = None,
                      progress: bool = True) -> IndexInfo:
    """Build the demo index unless it is already there; returns its manifest.

    Args:
        settings: Index settings and the index dir (``home/indexes/demo``).
        embedder: Embed with this (or what this factory returns, called only when a build is needed)
            instead of loading ``settings.index.embedder``; tests pass a fake.
        progress: Show the build's progress bars on stderr.
    """
    with _build_lock(settings):
        if demo_exists(settings):
            try:
                index = open_index(settings, DEMO_NAME)
            except IndexNotFoundError:
                pass
            else:
                index.close()
                return index.info
        logger.warning("building the demo index (%d PubMedQA abstracts, once; about a minute)", DEMO_DOCS)
        emb = embedder() if callable(embedder) and not isinstance(embedder, Embedder) else embedder
        return build_index([demo_corpus()], DEMO_NAME, settings, embedder=emb, progress=progress)


def open_demo_index(settings: Settings, *, embedder: Callable[[], Embedder] | None = None,
                    progress: bool = True) -> LocalIndex:
    """The demo index, built first when missing (with ``embedder()`` when given)."""
    ensure_demo_index(settings, embedder=embedder, progress=progress)
    return open_index(settings, DEMO_NAME)


def write_demo_corpus(ori_pqal: Path, out: Path) -> int:
    """Rebuild ``demo_data/pubmedqa_pqal.jsonl.gz`` from PubMedQA's ``ori_pqal.json``; returns the count.

    Sections keep their labels, the conclusion (``LONG_ANSWER``) comes last; the title is PubMedQA's
    question (drawn from the article title). The output is byte-for-byte reproducible (gzip mtime 0).
    """
    data = json.loads(ori_pqal.read_text(encoding="utf-8"))
    lines = []
    for pmid in sorted(data, key=int):
        v = data[pmid]
        parts = [f"{label}: {text}" if label else text for label, text in zip(v["LABELS"], v["CONTEXTS"], strict=False)]
        parts.append(f"CONCLUSIONS: {v['LONG_ANSWER']}")
        row = {"pmid": pmid, "title": v["QUESTION"], "text": " ".join(parts), "year": v.get("YEAR"),
               "mesh": v.get("MESHES", [])}
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        f.write("".join(lines).encode("utf-8"))
    return len(lines)
