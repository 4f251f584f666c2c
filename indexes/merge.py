"""``biomedqa index merge``: join indexes (or shards) built elsewhere into one sharded index.

FAISS indexes and document stores are copied as they are; BM25 is rebuilt for every shard with the
statistics of the joined corpus, in two streaming passes over the shards' stores (count, then
score), so only one shard's tokens are in memory at a time and a merged index scores documents
exactly as one index built over the whole corpus would.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from biomedqa.errors import InputError
from biomedqa.indexes.chunk import Doc
from biomedqa.indexes.lexical import CorpusStats, Tokenizer, TokenizerConfig
from biomedqa.indexes.manifest import (
    MANIFEST,
    IndexInfo,
    ShardRef,
    check_name,
    checksum_files,
    read_manifest,
    verify,
    write_manifest,
)
from biomedqa.indexes.rescore import STORE_FILES as OPTIONAL_PARTS
from biomedqa.indexes.shards import build_bm25_shard, shard_name
from biomedqa.indexes.store import DocStore
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

SAME = ("embedder", "dim", "tokenizer")


def _sources(settings: Settings, names: Sequence[str]) -> list[tuple[Path, IndexInfo]]:
    """(folder, manifest) of every shard of every source (a folder path or an index name)."""
    out: list[tuple[Path, IndexInfo]] = []
    for src in names:
        as_path = Path(src).is_dir() or "/" in src or os.sep in src
        if not as_path:
            check_name(src)  # a bare name: an index under the data dir (a path is used as it is)
        root = Path(src) if as_path else settings.index_dir / src
        if not (root / MANIFEST).is_file():
            raise InputError(f"{src} is not a finished index (no {MANIFEST}).",
                             hint="Pass index folders (copied from the machines that built them) or index names.")
        info = read_manifest(root, root.name)
        verify(root, info)
        out += [(root / r.path, read_manifest(root / r.path, root.name)) for r in info.shards] or [(root, info)]
    first = out[0][1]
    for folder, info in out[1:]:
        for key in SAME:
            if getattr(info, key) != getattr(first, key):
                raise InputError(f"{folder} has {key}={getattr(info, key)!r}, "
                                 f"the first index has {getattr(first, key)!r}.",
                                 hint="Only indexes built with the same embedder and BM25 tokenizer can be merged.")
    return out


def _token_stream(store: Path, tok: Tokenizer) -> Iterator[list[str]]:
    docs = DocStore(store)
    try:
        for r in docs.iter_rows():
            yield tok(Doc(r[1], r[3], r[4]).lexical_text())
    finally:
        docs.close()


def merge_indexes(settings: Settings, name: str, sources: Sequence[str]) -> IndexInfo:
    """Join ``sources`` (index folders or names) into the sharded index ``name``.

    Raises:
        InputError: a source is missing or unfinished, or the sources disagree on embedder/tokenizer.
    """
    t0 = time.perf_counter()
    check_name(name)
    parts = _sources(settings, sources)
    root = settings.index_dir / name
    if any(root.resolve() in (f.resolve(), *f.resolve().parents) for f, _ in parts):
        raise InputError(f"index {name!r} is one of the sources.", hint="Merge into a new name.")
    first = parts[0][1]
    tok = Tokenizer(TokenizerConfig(**first.tokenizer))
    work = root / ".build"
    shutil.rmtree(work, ignore_errors=True)
    (work / "shards").mkdir(parents=True)
    vocab: dict[str, int] = {}
    df: list[int] = []
    lengths: list[np.ndarray] = []
    for folder, _ in parts:  # pass 1: corpus-wide document frequencies and lengths
        lens = []
        for tokens in _token_stream(folder / "docs.sqlite", tok):
            ids = {vocab.setdefault(t, len(vocab)) for t in tokens}
            df.extend([0] * (len(vocab) - len(df)))
            for i in ids:
                df[i] += 1
            lens.append(len(tokens))
        lengths.append(np.asarray(lens, dtype=np.int64))
    all_lens = np.concatenate(lengths)
    stats = CorpusStats(doc_freqs=np.asarray(df, dtype=np.int64), num_docs=len(all_lens),
                        avg_doc_len=float(np.array(all_lens.tolist()).mean()))
    words = list(vocab)
    refs, offset, records = [], 0, 0
    for i, (folder, info) in enumerate(parts):  # pass 2: copy FAISS + store, rebuild BM25 with global stats
        dest = work / shard_name(i)
        dest.mkdir()
        for f in ("docs.sqlite", "faiss.index", "groups.npy", *OPTIONAL_PARTS):
            if f not in OPTIONAL_PARTS or (folder / f).exists():
                shutil.copy2(folder / f, dest / f)
        term_ids = [[vocab[t] for t in tokens] for tokens in _token_stream(folder / "docs.sqlite", tok)]
        build_bm25_shard(term_ids, words, stats, tok, info.build.get("bm25_k1", 1.2), info.build.get("bm25_b", 0.75)
                         ).save(dest / "bm25")
        files, sizes = checksum_files(dest)
        write_manifest(dest, info.model_copy(update={"path": str(dest), "files": files, "file_bytes": sizes,
                                                     "shards": []}))
        refs.append(ShardRef(path=shard_name(i), docs=info.docs, records=info.records, offset=offset))
        offset += info.docs
        records += info.records
    for old in ("docs.sqlite", "faiss.index", "groups.npy", "bm25", "shards", *OPTIONAL_PARTS):
        p = root / old
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    (root / MANIFEST).unlink(missing_ok=True)
    (work / "shards").replace(root / "shards")
    shutil.rmtree(work, ignore_errors=True)
    files, sizes = checksum_files(root)
    seconds = time.perf_counter() - t0
    info = first.model_copy(update={
        "name": name, "path": str(root), "docs": offset, "records": records, "shards": refs,
        "sources": [s for _, i in parts for s in i.sources], "files": files, "file_bytes": sizes,
        "skipped": sum(i.skipped for _, i in parts), "seconds": round(seconds, 2), "faiss_class": f"{len(refs)} shards",
        "docs_per_s": round(offset / seconds, 1) if seconds else 0.0, "timings": {"merge": round(seconds, 2)}})
    write_manifest(root, info)
    logger.info("index merge: %s = %d shards, %d docs in %.1fs", name, len(refs), offset, seconds)
    return info
