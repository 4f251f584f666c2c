"""Deterministic routing of gene/SNP/disease/sequence questions whose shape is unambiguous.

GeneTuring and GeneHop questions follow fixed templates; many user questions do too ("which
chromosome is BRCA1 on", "aliases of the gene containing ACGT..."). Anything else returns None
and the chain lets the local model choose tools.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

RSID = re.compile(r"\brs(\d{1,12})\b", re.IGNORECASE)
DNA = re.compile(r"[ACGTUNacgtun]{30,}")
ENSEMBL = re.compile(r"\bENS[A-Z]*G\d{6,}(?:\.\d+)?\b")
SYMBOL = r"([A-Za-z0-9][A-Za-z0-9\-\.@/_]*)"


class Route(BaseModel):
    """A recognised question shape and the entity it is about."""

    task: str = Field(description="GeneTuring/GeneHop task name, or a generic shape")
    entity: str = Field(description="Gene symbol, rs id, disease name or DNA sequence")


_I = re.IGNORECASE
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("Gene alias", re.compile(rf"official gene symbol of {SYMBOL}\s*\??$", _I)),
    ("Gene name conversion", re.compile(rf"convert {SYMBOL} to (?:an? )?official gene symbol", _I)),
    ("Gene location", re.compile(rf"which chromosome is (?:the )?{SYMBOL} gene (?:located )?on", _I)),
    ("Gene location", re.compile(rf"(?:on )?which chromosome is (?:the )?{SYMBOL}(?: gene)? "
                                 r"(?:located|found|on)\b", _I)),
    ("Protein-coding genes", re.compile(rf"is {SYMBOL} (?:a )?protein[- ]coding(?: gene)?\s*\??$", _I)),
    ("Gene SNP association", re.compile(r"which genes? (?:is|are) (?:the )?SNP (rs\d+) associated with", _I)),
    ("SNP location", re.compile(r"which chromosome (?:does|is) (?:the )?SNP (rs\d+) (?:locate|located)", _I)),
    ("SNP gene function", re.compile(r"function of the gene(?:s)? associated with (?:the )?(?:SNP )?(rs\d+)", _I)),
    ("Disease gene location", re.compile(r"(?:list )?(?:the )?chromosom\w* locations? of (?:the )?genes? "
                                         r"(?:related|associated) (?:to|with) (.+?)(?:\?|\.\s|$)", _I)),
    ("Gene disease association", re.compile(r"what (?:are|is) (?:the )?genes? (?:related|associated) (?:to|with) "
                                            r"(.+?)\s*\?", _I)),
]


def route(question: str) -> Route | None:
    """The question's shape, or None when it is not unambiguous."""
    q = " ".join(question.split())
    seq = DNA.search(q.replace(" ", "")) if ":" in q or "sequence" in q.lower() else None
    if seq:
        s = seq.group(0).upper()
        low = q.lower()
        if "alias" in low:
            return Route(task="sequence gene alias", entity=s)
        if "organism" in low or "species" in low:
            return Route(task="Multi-species DNA aligment", entity=s)
        if "align" in low or "human genome" in low or "chromosome" in low:
            return Route(task="Human genome DNA aligment", entity=s)
        return Route(task="sequence gene", entity=s)
    head = q.split(" Let's decompose")[0]
    for task, pattern in _PATTERNS:
        m = pattern.search(head)
        if m:
            return Route(task=task, entity=m.group(1).strip().rstrip("?.").strip())
    ens = ENSEMBL.search(q)
    if ens and "symbol" in q.lower():
        return Route(task="Gene name conversion", entity=ens.group(0))
    rs = RSID.search(q)
    if rs and "chromosome" in q.lower():
        return Route(task="SNP location", entity=f"rs{rs.group(1)}")
    if rs and "gene" in q.lower():
        return Route(task="Gene SNP association", entity=f"rs{rs.group(1)}")
    return None
