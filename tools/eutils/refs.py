"""Tool results by reference, for the prompt that chooses the next tool.

Record text (gene summaries and descriptions, OMIM and BLAST titles, abstracts, NCBI error
messages) never reaches that prompt: it could carry instructions. Each record is shown as a
numbered line of identifiers that pass strict token patterns (symbols, ids, chromosomes,
cytobands, binomial names), and the model may pass ``[n]`` as a tool argument to mean record n's
key. Anything that is not a clean token is shown as ``?``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,23}")
BINOMIAL = re.compile(r"[A-Z][a-z]{1,20} [a-z]{2,20}")
REF = re.compile(r"\s*\[(\d{1,3})\]\s*")


def tok(value: object) -> str:
    """``value`` when it is one short identifier-like token, else ``?``."""
    text = str(value if value is not None else "").strip()
    return text if TOKEN.fullmatch(text) else "?"


def toks(values: Iterable[object], limit: int = 4) -> str:
    """Up to ``limit`` clean tokens, comma-joined (``-`` when none)."""
    kept = [t for t in (tok(v) for v in values) if t != "?"][:limit]
    return ",".join(kept) or "-"


def binomial(value: object) -> str:
    """A ``Genus species`` name, else ``?``."""
    text = str(value or "").strip()
    return text if BINOMIAL.fullmatch(text) else "?"


class RefBook:
    """Numbered record keys of one tool loop; ``[n]`` arguments resolve through it."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def add(self, key: str, line: str) -> str:
        """Register a record; its prompt line, numbered."""
        self.keys.append(key)
        return f"[{len(self.keys)}] {line}"

    def resolve(self, argument: str) -> str:
        """``[n]`` → record n's key; any other argument unchanged (the model's own words)."""
        m = REF.fullmatch(argument)
        if m and 1 <= int(m.group(1)) <= len(self.keys):
            return self.keys[int(m.group(1)) - 1]
        return argument


def hit_symbols(title: str) -> list[str]:
    """Gene symbols a BLAST hit's title names in parentheses, e.g. '... (SLCO3A1) gene'."""
    return re.findall(r"\(([A-Z][A-Z0-9\-]{1,15})\)", title)
