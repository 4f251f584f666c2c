"""``build_index``: corpus files → document store + BM25 + embedding shards → FAISS + manifest.

The build is resumable: embeddings are saved in shards under
``<cache_dir>/embeddings/<embedder>-<key>/`` (the key hashes the input files, embedder and
chunking), and a rerun skips the shards already written. Because the key ignores BM25 and FAISS
settings, index variants over the same corpus reuse one set of embeddings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.errors import InputError
from biomedqa.hashing import sha256_file
from biomedqa.indexes import faiss_index, rescore
from biomedqa.indexes.auto import resolve_kind
from biomedqa.indexes.chunk import Doc, chunk_records
from biomedqa.indexes.embed import embed_batches, load_embedder
from biomedqa.indexes.ingest import IngestReport, expand_paths, iter_records
from biomedqa.indexes.lexical import BM25Index, Tokenizer, resolve_tokenizer_config
from biomedqa.indexes.manifest import (
    MANIFEST,
    IndexInfo,
    ShardRef,
    SourceFile,
    check_name,
    checksum_files,
    write_manifest,
)
from biomedqa.indexes.shards import SHARDS_DIR, write_sharded
from biomedqa.indexes.store import DocStore
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

PARTS = ("docs.sqlite", "faiss.index", "bm25", "groups.npy")
OPTIONAL_PARTS = rescore.STORE_FILES  # compressed designs only
INSERT_BATCH = 1000
SORT_WINDOW = 16


def shard_dir(settings: Settings, sources: Sequence[SourceFile], embedder: Embedder) -> Path:
    """Where the embedding shards of this corpus + embedder + chunking live (shared across index names)."""
    cfg = settings.index
    parts = {
        "sources": [s.sha256 for s in sources], "embedder": embedder.name, "dim": embedder.dim,
        "chunk": [cfg.chunk_words, cfg.chunk_overlap], "shard": cfg.shard_size, "text": "title. text",
    }
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", embedder.name)[-40:]
    return settings.cache_dir / "embeddings" / f"{safe}-{key}"


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from biomedqa.cli.output import stderr_console

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=stderr_console()) as prog:
        yield prog


def _ingest(files: list[Path], store: DocStore, settings: Settings, tok: Tokenizer, report: IngestReport,
            prog: Any) -> tuple[int, list[list[int]], dict[str, int], np.ndarray]:
    """Stream records → chunks → store rows and BM25 term ids.

    Returns (docs, term ids per doc, vocab, group per doc); chunks of one record share a group.
    """
    task = prog.add_task("reading + BM25", total=None) if prog else None
    vocab: dict[str, int] = {}
    ids: list[list[int]] = []
    groups: list[int] = []
    batch: list[Doc] = []
    n = 0
    for doc in chunk_records(iter_records(files, report), settings.index.chunk_words, settings.index.chunk_overlap):
        ids.append([vocab.setdefault(t, len(vocab)) for t in tok(doc.lexical_text())])
        groups.append(groups[-1] if doc.chunk and doc.chunk > 1 else len(groups))
        batch.append(doc)
        if len(batch) >= INSERT_BATCH:
            store.add_many(n, batch)
            n += len(batch)
            batch = []
            if prog:
                prog.update(task, completed=n)
    store.add_many(n, batch)
    n += len(batch)
    if prog:
        prog.update(task, completed=n, total=n)
    return n, ids, vocab, np.asarray(groups, dtype=np.int64)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        np.save(f, arr)
    os.replace(tmp, path)


def _embed_shards(store: DocStore, n: int, embedder: Embedder, settings: Settings, folder: Path,
                  prog: Any) -> list[Path]:
    """Embed rows shard by shard; shards already on disk are reused."""
    size = settings.index.shard_size
    shards = [folder / f"shard_{i:05d}.npy" for i in range((n + size - 1) // size)]
    task = prog.add_task(f"embedding ({embedder.name})", total=n) if prog else None
    for i, shard in enumerate(shards):
        lo, hi = i * size, min(n, (i + 1) * size)
        if shard.exists() and np.load(shard, mmap_mode="r").shape == (hi - lo, embedder.dim):
            logger.info("index build: shard %d already embedded, skipping", i)
        else:
            parts = []
            # hand the model SORT_WINDOW batches at a time: it sorts by length inside each call, so
            # bigger calls mean less padding (the model still runs batch_size texts per forward pass)
            call_size = settings.index.batch_size * SORT_WINDOW
            for vecs in embed_batches(store.iter_embed_texts(lo, hi), embedder, call_size):
                parts.append(vecs)
                if prog:
                    prog.advance(task, len(vecs))
            _save_npy(shard, np.concatenate(parts).astype(np.float32))
            logger.info("index build: embedded shard %d/%d (%d docs)", i + 1, len(shards), hi - lo)
            continue
        if prog:
            prog.advance(task, hi - lo)
    return shards


def _finalize(work: Path, root: Path, sharded: bool) -> None:
    for part in (*PARTS, *OPTIONAL_PARTS, SHARDS_DIR):
        dest = root / part
        if dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
    for part in (SHARDS_DIR,) if sharded else (*PARTS, *OPTIONAL_PARTS):
        if part in PARTS or (work / part).exists():
            os.replace(work / part, root / part)


def _embed(store: DocStore, n: int, emb: Embedder, settings: Settings, folder: Path, files: list[Path],
           prog: Any) -> list[Path]:
    if settings.index.engine == "ray":
        from biomedqa.indexes.ray_build import embed_shards_ray

        return embed_shards_ray(store, n, emb, settings, folder, files)
    return _embed_shards(store, n, emb, settings, folder, prog)


def build_index(paths: Sequence[Path], name: str, settings: Settings, *, embedder: Embedder | None = None,
                progress: bool = True) -> IndexInfo:
    """Build (or resume building) the index ``name`` under ``settings.index_dir``.

    Args:
        paths: JSONL(.gz), PubMed XML(.gz) or MEDLINE files, or folders of them.
        name: Index name (a folder name).
        settings: Index settings (embedder, kind, chunking, BM25, ``shards``, ``engine``) and the index dir.
        embedder: Use this embedder instead of loading ``settings.index.embedder``.
        progress: Show rich progress bars on stderr.

    Returns:
        The manifest of the finished index.

    Raises:
        InputError: a bad name, a missing file, or a corpus with no usable records.
    """
    t0 = time.perf_counter()
    check_name(name)
    files = expand_paths(paths)
    root = settings.index_dir / name
    work = root / ".build"
    sources = [SourceFile(path=str(p.resolve()), sha256=sha256_file(p), bytes=p.stat().st_size) for p in files]
    settings.index_dir.mkdir(parents=True, exist_ok=True)  # an unwritable data dir fails before the embedder loads
    emb = embedder or load_embedder(settings)
    tok_cfg = resolve_tokenizer_config(settings.index.bm25_stemmer)
    tok = Tokenizer(tok_cfg)
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).unlink(missing_ok=True)  # an interrupted rebuild must not look finished
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    shards_at = shard_dir(settings, sources, emb)
    shards_at.mkdir(parents=True, exist_ok=True)
    store = DocStore(work / "docs.sqlite", writable=True)
    report = IngestReport()
    timings: dict[str, float] = {}
    try:
        with _progress(progress) as prog:
            t = time.perf_counter()
            n, term_ids, vocab, groups = _ingest(files, store, settings, tok, report, prog)
            timings["ingest"] = time.perf_counter() - t
            if report.skipped:
                logger.warning("index build: %s", report.summary())
            if n == 0:
                raise InputError(f"no usable records in {', '.join(map(str, files))}.",
                                 hint="Each record needs an id (pmid/id) and a title or text.")
            t = time.perf_counter()
            shards = _embed(store, n, emb, settings, shards_at, files, prog)
            timings["embed"] = time.perf_counter() - t
    finally:
        store.close()
    cfg, design = resolve_kind(settings.index, n, emb.dim)
    k = min(settings.index.shards, n)
    base: dict[str, Any] = {
        "name": name, "path": str(root), "embedder": emb.name, "dim": emb.dim, "docs": n, "records": report.records,
        "kind": cfg.kind, "tokenizer": tok_cfg.model_dump(), "build": settings.index.model_dump(mode="json"),
        "sources": sources, "skipped": report.skipped, "design": design, "engine": settings.index.engine,
        "nprobe": faiss_index.recorded_nprobe(cfg.kind, n),
        "rescore_store": rescore.INT8_FILE if rescore.wants_store(cfg.kind, n, faiss_index.MIN_PQ) else "",
    }
    refs: list[ShardRef] = []
    t = time.perf_counter()
    if k > 1:
        refs = write_sharded(work, k, term_ids, vocab, groups, shards, cfg, tok, emb.dim, base)
        faiss_class = f"{k} shards"
        timings["shards"] = time.perf_counter() - t
    else:
        index = faiss_index.build_from_shards(shards, cfg, emb.dim, n)
        faiss_index.save(index, work / "faiss.index")
        faiss_class = type(index).__name__
        timings["faiss"] = time.perf_counter() - t
        if base["rescore_store"]:
            t = time.perf_counter()
            rescore.write_store(faiss_index.VectorRows(shards), work)
            timings["int8"] = time.perf_counter() - t
        t = time.perf_counter()
        _save_npy(work / "groups.npy", groups)
        from bm25s.tokenization import Tokenized

        bm25 = BM25Index.build(Tokenized(ids=term_ids, vocab=vocab), tok, cfg.bm25_k1, cfg.bm25_b)
        bm25.save(work / "bm25")
        timings["bm25"] = time.perf_counter() - t
    _finalize(work, root, sharded=k > 1)
    shutil.rmtree(work, ignore_errors=True)
    if not settings.index.keep_embeddings:
        shutil.rmtree(shards_at, ignore_errors=True)
    files_sha, sizes = checksum_files(root)
    seconds = time.perf_counter() - t0
    info = IndexInfo(
        **base, faiss_class=faiss_class, files=files_sha, file_bytes=sizes, shards=refs,
        seconds=round(seconds, 2), docs_per_s=round(n / seconds, 1) if seconds else 0.0,
        timings={k: round(v, 2) for k, v in timings.items()},
    )
    write_manifest(root, info)
    logger.info("index %s: %d docs from %d records in %.1fs", name, n, info.records, seconds)
    return info
