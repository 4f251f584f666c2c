"""``manifest.json``: what an index holds, how it was built, and checksums of its files."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from biomedqa.errors import IndexCorruptError, InputError
from biomedqa.hashing import sha256_file

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
VERIFY_SHA_MAX_BYTES = 1 << 30  # hash files on open when the index is smaller than this


class SourceFile(BaseModel):
    """One input corpus file."""

    path: str
    sha256: str
    bytes: int


class ShardRef(BaseModel):
    """One shard of a sharded index, as listed in the root manifest."""

    path: str = Field(description="Shard folder, relative to the index root")
    docs: int
    records: int
    offset: int = Field(description="Global row id of the shard's row 0")


class IndexInfo(BaseModel):
    """The manifest of one index (also what ``biomedqa index list/info`` shows)."""

    name: str
    path: str = Field(description="Folder of the index")
    format_version: int = FORMAT_VERSION
    created: str = Field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    embedder: str
    dim: int
    docs: int = Field(description="Indexed units (records, or chunks of long records)")
    records: int = Field(description="Source records read")
    kind: str = Field(description="FAISS index kind: flat | hnsw | ivf | ivfpq")
    faiss_class: str = ""
    tokenizer: dict[str, Any] = Field(default_factory=dict, description="BM25 tokenisation, reused at query time")
    build: dict[str, Any] = Field(default_factory=dict, description="Index settings used for the build")
    sources: list[SourceFile] = Field(default_factory=list)
    files: dict[str, str] = Field(default_factory=dict, description="sha256 of each index file, relative path")
    file_bytes: dict[str, int] = Field(default_factory=dict)
    skipped: int = 0
    seconds: float = 0.0
    docs_per_s: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage: ingest, embed, faiss, bm25")
    design: dict[str, Any] = Field(default_factory=dict,
                                   description="The FAISS design chosen by index.kind=auto, with the reason")
    shards: list[ShardRef] = Field(default_factory=list, description="Shards in row order (empty: one index)")
    engine: str = Field(default="local", description="What chunked and embedded the corpus: local | ray")
    nprobe: int | None = Field(default=None, description="IVF lists to probe unless index.nprobe is set (None: 32)")
    rescore_store: str = Field(default="", description="int8 copy of the vectors that re-ranks the FAISS shortlist "
                               "(file name; empty: none, no rescoring)")

    def shard_refs(self) -> list[ShardRef]:
        """The shards of a sharded index (empty for a single index)."""
        return list(self.shards)

    @property
    def chunks_per_record(self) -> float:
        return self.docs / self.records if self.records else 1.0


def index_files(root: Path) -> list[Path]:
    """Every file of a finished index except the manifest and build leftovers."""
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.name != MANIFEST and ".build" not in p.relative_to(root).parts
    )


def checksum_files(root: Path) -> tuple[dict[str, str], dict[str, int]]:
    """sha256 and size of every index file, keyed by path relative to ``root``."""
    files = index_files(root)
    rel = [p.relative_to(root).as_posix() for p in files]
    pairs = list(zip(rel, files, strict=True))
    return {r: sha256_file(p) for r, p in pairs}, {r: p.stat().st_size for r, p in pairs}


def write_manifest(root: Path, info: IndexInfo) -> None:
    """Write the manifest atomically (the index counts as finished once it exists)."""
    tmp = root / f"{MANIFEST}.tmp"
    tmp.write_text(info.model_dump_json(indent=2))
    os.replace(tmp, root / MANIFEST)


NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def is_index_name(name: str) -> bool:
    """Whether ``name`` is a plain folder name (no separators, so no ``..`` path; ASCII letters/digits/``._-``)."""
    return bool(NAME_RE.match(name or ""))


def check_name(name: str) -> None:
    """Index names are folder names under the data dir: letters, digits, ``.``, ``_``, ``-``.

    Raises:
        InputError: anything else (a path, ``..``, an empty or odd name).
    """
    if not is_index_name(name):
        raise InputError(f"bad index name {name!r}.", hint="Use letters, digits, '.', '_' or '-' (e.g. pubmed-2024); "
                         "an index is named, not given as a path.")


def read_manifest(root: Path, name: str) -> IndexInfo:
    """Parse ``root/manifest.json``; IndexCorruptError when it is unreadable.

    ``name`` is what the index is called now (its folder, or its parent's for a shard): a renamed
    folder's hints name the folder, not the name it was built with.
    """
    path = root / MANIFEST
    try:
        data = json.loads(path.read_text())
        info = IndexInfo.model_validate(data)
    except (OSError, ValueError, ValidationError) as e:
        raise IndexCorruptError(
            f"index {name!r} has an unreadable manifest ({type(e).__name__}).",
            hint=f"Rebuild it: biomedqa index build CORPUS --name {name}",
        ) from e
    info.path = str(root)
    if info.name != name:
        logger.debug("index folder %s was built as %r; using the folder's name", root, info.name)
        info.name = name
    return info


def verify(root: Path, info: IndexInfo, *, hashes: bool | None = None) -> None:
    """Check that every file in the manifest exists with its size (and sha256 for small indexes).

    Raises:
        IndexCorruptError: a file is missing, truncated or changed.
    """
    total = sum(info.file_bytes.values())
    hashes = total <= VERIFY_SHA_MAX_BYTES if hashes is None else hashes
    for rel, digest in info.files.items():
        p = root / rel
        problem = None
        if not p.is_file():
            problem = "is missing"
        elif rel in info.file_bytes and p.stat().st_size != info.file_bytes[rel]:
            problem = "has the wrong size"
        elif hashes and sha256_file(p) != digest:
            problem = "does not match its checksum"
        if problem:
            raise IndexCorruptError(
                f"index {info.name!r} is corrupt: {rel} {problem}.",
                hint=f"Rebuild it: biomedqa index build CORPUS --name {info.name}",
            )
