"""Index housekeeping for the CLI: remove an index, and notice a rebuild that would replace an
index made from other files."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from biomedqa.errors import IndexNotFoundError
from biomedqa.indexes.check import index_root
from biomedqa.indexes.manifest import MANIFEST, read_manifest
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def remove_index(settings: Settings, name: str) -> Path:
    """Delete the index ``name`` (finished or half-built) from ``settings.index_dir``; returns its folder.

    Raises:
        InputError: a bad name (``..``, slashes).
        IndexNotFoundError: nothing of that name.
    """
    root = index_root(settings, name)
    if not root.is_dir() or root.resolve().parent != settings.index_dir.resolve():
        raise IndexNotFoundError(name, str(settings.index_dir))
    shutil.rmtree(root)
    logger.info("index rm: removed %s", root)
    return root


def replaced_sources(settings: Settings, name: str, paths: Sequence[Path]) -> list[str] | None:
    """The files the existing index ``name`` was built from, when a build from ``paths`` would replace
    it with an index of other files (None: no such index, or the same files)."""
    from biomedqa.indexes.ingest import expand_paths

    root = settings.index_dir / name
    if not (root / MANIFEST).is_file():
        return None
    try:
        old = sorted(src.path for src in read_manifest(root, name).sources)
    except Exception:  # an unreadable manifest: the rebuild replaces it either way
        return None
    try:
        new = sorted(str(p.resolve()) for p in expand_paths(paths))
    except Exception:  # missing files: build_index says so in its own words
        return None
    return old if old != new else None
