"""Dense embedders: a sentence-transformers model behind the ``Embedder`` seam.

Embedding is a pure function over batches (:func:`embed_batches`), so it can run as-is under
Ray Data ``map_batches`` or any other batch executor.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.errors import ModelNotFoundError
from biomedqa.interfaces import Embedder
from biomedqa.models import resolve_embedder
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

_CACHE: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, as contiguous float32 (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def pick_device(use_gpu: bool | None = None) -> str:
    """``cuda`` when torch sees a GPU (and ``use_gpu`` is not False), else ``cpu``."""
    if use_gpu is False:
        return "cpu"
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


class SentenceTransformerEmbedder:
    """A sentence-transformers model returning L2-normalised float32 ``(n, dim)`` arrays."""

    def __init__(self, model: Any, name: str, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        self.dim = int(dim or model.get_sentence_embedding_dimension())

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True,
            normalize_embeddings=True, show_progress_bar=False,
        )
        return normalize(out)


def _load_model(path: str, device: str, hf_cache: Path | None = None) -> Any:
    key = (path, device)
    with _LOCK:
        if key not in _CACHE:
            if Path(path).exists():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                _CACHE[key] = SentenceTransformer(
                    path, device=device, cache_folder=str(hf_cache) if hf_cache else None
                )
            except (OSError, ValueError) as e:
                raise ModelNotFoundError(
                    f"cannot load embedder from {path} ({type(e).__name__}).",
                    hint="Use a registry name (all-minilm-l6-v2), a local sentence-transformers folder, "
                    "or a Hugging Face id on an online machine.",
                ) from e
        return _CACHE[key]


def load_embedder(settings: Settings, name: str | None = None) -> Embedder:
    """The embedder named ``name`` (default ``settings.index.embedder``), on CUDA when available.

    Models are cached per process, so repeated calls are cheap.

    Args:
        settings: Supplies the cache dir, batch size and GPU preference.
        name: Registry name, local folder or Hugging Face id; None uses the settings.

    Returns:
        An ``Embedder`` with ``name`` and ``dim`` returning normalised float32 rows.
    """
    name = name or settings.index.embedder
    path = resolve_embedder(name, settings.cache_dir)
    device = pick_device(settings.index.use_gpu)
    model = _load_model(path, device, settings.cache_dir / "hf")  # hub ids download under cache_dir too
    logger.info("embedder %s loaded on %s", name, device)
    return SentenceTransformerEmbedder(model, name=name, batch_size=settings.index.batch_size)


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Consecutive lists of at most ``size`` items."""
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def embed_batch(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """Embed one batch; a pure function of its inputs (the unit for Ray ``map_batches``)."""
    return normalize(embedder(list(texts)))


def embed_batches(texts: Iterable[str], embedder: Embedder, batch_size: int) -> Iterator[np.ndarray]:
    """Stream ``(<=batch_size, dim)`` arrays for a stream of texts."""
    for batch in batched(texts, batch_size):
        yield embed_batch(batch, embedder)
