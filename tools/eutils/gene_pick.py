"""Which gene record a question means: organism first (human unless another is named), then the
official symbol over aliases, then the best-annotated record, then NCBI's relevance order.

A symbol candidate counts as *verified* when an NCBI record has it as its symbol or alias, or when
it is an Ensembl/Entrez id NCBI resolved; that is how entity extraction avoids guessing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from biomedqa.tools.eutils.recipes import Run
from biomedqa.tools.eutils.records import GeneRecord

logger = logging.getLogger(__name__)
HUMAN = "Homo sapiens"


class GenePick(BaseModel):
    """The record chosen for a term, and why."""

    term: str = Field(description="What the question called the gene")
    record: GeneRecord
    verified: bool = Field(description="The record has the term as symbol/alias (or the term is an id)")
    organism: str = Field(description="Organism searched")
    assumed: bool = Field(description="True when the organism was assumed (human), not named")


def _match(r: GeneRecord, term: str) -> int:
    t = term.strip().upper()
    return 0 if r.symbol.upper() == t else 1 if t in {a.upper() for a in r.aliases} else 2


def fragment_only(r: GeneRecord, term: str) -> bool:
    """NCBI matched a piece of a compound name, not the name: one of the term's parts split at '-' or '.' (with
    a letter) is the record's symbol, an alias or a word of its name. RP11-17A4.3 finds the RP11 locus,
    CTB-180A7.6 finds CTBS (alias CTB), CTD-2272D18.2 finds 'CTD small phosphatase 1'."""
    whole = term.strip().upper()
    parts = {p.upper() for p in re.split(r"[-.]", whole) if len(p) >= 2 and re.search(r"[A-Z]", p)} - {whole}
    names = {n.upper() for n in [r.symbol, *r.aliases]} | {w.upper() for w in re.findall(r"[\w\-]+", r.description)}
    return bool(parts & names)


def _annotation(r: GeneRecord) -> int:
    return int(bool(r.summary)) + int(bool(r.map_location)) + int(bool(r.mim)) + int(bool(r.aliases))


def of_organism(r: GeneRecord, organism: str) -> bool:
    """The record is of this organism (by name, or by taxid for human)."""
    return r.organism.lower().startswith(organism.lower()) or (organism == HUMAN and r.taxid == 9606)


def rank(records: Sequence[GeneRecord], term: str, organism: str = HUMAN) -> list[GeneRecord]:
    """Records in preference order: live, of the organism, symbol > alias > other, best annotated, NCBI order."""
    pos = {r.gene_id: i for i, r in enumerate(records)}
    return sorted(records, key=lambda r: (1 if r.status else 0, 0 if of_organism(r, organism) else 1,
                                          _match(r, term), -_annotation(r), pos[r.gene_id]))


async def _search(run: Run, term: str) -> list[GeneRecord]:
    return [GeneRecord.model_validate(g) for g in await run.items("gene_search", {"term": term})]


async def pick_gene(run: Run, terms: Sequence[str], ids: Sequence[str] = (), organism: str | None = None,
                    allow_unverified: bool = False) -> GenePick | None:
    """The gene the question names: NCBI Gene ids first, then each term in order until one is verified.

    Args:
        run: the calls of this question.
        terms: symbol/alias/Ensembl candidates, question order (at most 3 are searched).
        ids: NCBI Gene ids the question wrote out.
        organism: a scientific name the question named; None assumes Homo sapiens.
        allow_unverified: fall back to the best record of the first term even when no record has it as
            symbol or alias (clone names such as LA16c-329F2.2, which Gene only lists in other fields); never a
            record that only carries a piece of the name (:func:`fragment_only`).
    """
    org = organism or HUMAN
    assumed = organism is None
    if ids:
        items = [GeneRecord.model_validate(g) for g in await run.items("gene_summary", {"gene_ids": list(ids)[:5]})]
        if items:
            return GenePick(term=ids[0], record=rank(items, "", org)[0], verified=True, organism=org, assumed=assumed)
    first: GenePick | None = None
    for term in list(dict.fromkeys(terms))[:3]:
        records = await _search(run, term)
        of_org = [r for r in records if of_organism(r, org)]
        if not of_org:
            continue
        best = rank(of_org, term, org)[0]
        is_id = term.upper().startswith("ENS")
        if is_id or _match(best, term) < 2:
            return GenePick(term=term, record=best, verified=True, organism=org, assumed=assumed)
        if not fragment_only(best, term):
            first = first or GenePick(term=term, record=best, verified=False, organism=org, assumed=assumed)
    return first if allow_unverified else None


def organism_note(pick: GenePick | None, organism: str | None) -> str:
    """The sentence saying which organism was searched."""
    org = pick.organism if pick else (organism or HUMAN)
    if organism is None:
        return f"Organism: {org} (assumed; name another organism to search it)."
    return f"Organism: {org} (named in the question)."
