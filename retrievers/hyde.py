"""HyDE: the LLM writes hypothetical PubMed abstracts that answer the question; retrieval searches with them.

Expansions are cached on disk under ``settings.cache_dir / "hyde"``, keyed by (model name,
prompt version, question, n, max tokens), so reruns of an evaluation cost no LLM time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from biomedqa.interfaces import ChatModel
from biomedqa.settings import Settings
from biomedqa.types import Message

logger = logging.getLogger(__name__)

PROMPT_VERSION = "hyde-v1"
SYSTEM = (
    "You are a biomedical researcher. Write a short, factual PubMed-style abstract (3-5 sentences) "
    "that answers the question. Use precise biomedical terminology: genes, drugs, diseases, methods. "
    "Do not add a title, references or any commentary."
)
ANGLES = ("", " Focus on the main findings and results.", " Focus on the mechanism and background.",
          " Focus on the methods and study population.")


def hyde_messages(question: str, i: int = 0) -> list[Message]:
    """The prompt for the ``i``-th hypothetical abstract (later ones take a different angle)."""
    angle = ANGLES[i % len(ANGLES)]
    return [Message(role="system", content=SYSTEM),
            Message(role="user", content=f"Question: {question.strip()}\nWrite the abstract.{angle}")]


def clean_abstract(text: str) -> str:
    """Strip labels such as 'Abstract:' and collapse whitespace."""
    text = re.sub(r"^\s*(abstract|title)\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


class HyDEExpander:
    """Writes ``n`` hypothetical abstracts per question with a ChatModel, cached on disk."""

    def __init__(self, llm: ChatModel, settings: Settings, cache_dir: Path | None = None) -> None:
        self.llm = llm
        self.settings = settings
        self.cache_dir = cache_dir or settings.cache_dir / "hyde"
        self.hits = 0
        self.misses = 0

    def cache_key(self, question: str, n: int) -> str:
        """Hex key of (model, prompt version, question, n, max tokens)."""
        parts = [self.llm.name, PROMPT_VERSION, question.strip(), n,
                 self.settings.retrieval.hyde_max_tokens]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def _load(self, path: Path, n: int) -> list[str] | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        docs = data.get("expansions")
        return [str(d) for d in docs] if isinstance(docs, list) and len(docs) == n else None

    def _save(self, path: Path, question: str, docs: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"question": question, "model": self.llm.name,
                                   "prompt_version": PROMPT_VERSION, "expansions": docs}, ensure_ascii=False))
        os.replace(tmp, path)

    async def expand(self, question: str, n: int | None = None) -> list[str]:
        """``n`` (default ``retrieval.hyde_n``) hypothetical abstracts for ``question``.

        The first is written greedily; later ones take another angle at temperature 0.7.
        Empty replies are dropped.
        """
        n = self.settings.retrieval.hyde_n if n is None else n
        if n <= 0 or not question.strip():
            return []
        path = self.cache_dir / f"{self.cache_key(question, n)}.json"
        cached = self._load(path, n)
        if cached is not None:
            self.hits += 1
            return [d for d in cached if d]
        self.misses += 1
        docs = []
        for i in range(n):
            reply = await self.llm.complete(
                hyde_messages(question, i), max_tokens=self.settings.retrieval.hyde_max_tokens,
                temperature=0.0 if i == 0 else 0.7,
            )
            docs.append(clean_abstract(str(reply)))
        self._save(path, question, docs)
        logger.info("hyde: wrote %d hypothetical abstract(s) (%d chars)", n, sum(map(len, docs)))
        return [d for d in docs if d]
