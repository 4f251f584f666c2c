"""The closed set of gene / variant / disease / sequence intents and the classifier that picks one.

Rules decide from the entities a question names (:mod:`.entities`) and a few cue words, whatever
the wording around them. When the rules leave two or more intents open, at most **one** short
constrained model call chooses among them (or says ``other``); with no model, a fixed priority
decides. A question outside the closed set gets ``None`` and goes to the model's bounded tool loop
or to the literature path.
"""

from __future__ import annotations

import difflib
import logging
import re
from typing import Literal, get_args

from pydantic import BaseModel, Field, JsonValue, create_model

from biomedqa.interfaces import ChatModel
from biomedqa.tools.eutils.entities import DISEASE_NOUN, Entities, extract
from biomedqa.types import Message

logger = logging.getLogger(__name__)

Intent = Literal[
    "alias_symbol", "gene_location", "gene_function", "protein_coding", "snp_gene", "snp_location",
    "snp_gene_function", "disease_genes", "disease_gene_locations", "sequence_alignment", "sequence_organism",
    "sequence_gene", "sequence_gene_alias",
]
INTENTS: tuple[str, ...] = get_args(Intent)
DESCRIPTIONS: dict[str, str] = {
    "alias_symbol": "the official gene symbol for an alias, old name or Ensembl id",
    "gene_location": "which chromosome / cytoband a gene is on",
    "gene_function": "what a gene or its protein does",
    "protein_coding": "whether a gene codes for a protein",
    "snp_gene": "which gene a SNP (rs id) is in",
    "snp_location": "which chromosome a SNP is on",
    "snp_gene_function": "what the gene containing a SNP does",
    "disease_genes": "which genes are associated with a disease",
    "disease_gene_locations": "where (cytobands) the genes of a disease are",
    "sequence_alignment": "where a DNA sequence aligns in the human genome",
    "sequence_organism": "which organism a DNA sequence comes from",
    "sequence_gene": "which gene a DNA sequence belongs to",
    "sequence_gene_alias": "the aliases of the gene a DNA sequence belongs to",
}
_I = re.I
LOC = re.compile(r"\bchromos\w*|\blocat\w*|\blocus\b|\bloci\b|\bwhere\b|\bcyto\s?bands?\b|\bcytogenetic|"
                 r"\bmap(?:s|ped)?\b|\bsits?\b|\blies\b|\bposition\w*|\bcoordinates?\b|\bbands?\b|\bchr\b", _I)
FUNC = re.compile(r"\bfunction\w*|\bdo(?:es)?\b.*\bdo\b|\brole\b|\bpurpose\b|\bresponsible for\b|\bwhat is it for\b|"
                  r"\bsummar\w*|\bdescribe\b|\bwhat (?:does|do) it\b|\bworks?\b|\binvolved in\b|\bjob\b", _I)
SYMBOL = re.compile(r"\bofficial\b|\bapproved\b|\bcurrent(?:ly)?\b|\bsymbol\b|\bhgnc\b|\bconvert\w*|\brenamed\b|"
                    r"\bstandard name\b|\bproper name\b|\bcalled now\b|\bnow called\b|\bnomenclature\b|"
                    r"\bcorrect name\b|\bwhat gene is\b|\bwhich gene is\b|\bmeans? which gene\b|\bstands? for\b", _I)
CODING = re.compile(r"protein[\s\-]*coding|\bcod(?:e|es|ing) for (?:a )?proteins?\b|\bencod\w* (?:a |any )?proteins?|"
                    r"\bnon[\s\-]?coding\b|\bpseudogene\b|\btranslated\b|\bmakes? (?:a )?protein\b", _I)
GENE_Q = re.compile(r"\b(?:which|what) genes?\b|\bgene (?:name|symbol)\b|\bname of the gene\b|"
                    r"\bfalls? (?:in|into|within)\b|\bin which gene\b|\bin what gene\b|"
                    r"\binside\b|\bwithin\b|\bgene\b", _I)
ORGANISM = re.compile(r"\borganism\b|\bspecies\b|\bcomes? from\b|\bwhich animal\b|\bwhat animal\b|\bsource\b|"
                      r"\bfrom which\b|\bwhat creature\b|\bbelongs? to\b.*\b(?:organism|species)\b", _I)
ALIGN = re.compile(r"\balign\w*|\bchromosom\w*|\bcoordinates?\b|\bposition\w*|\bwhere\b|\blocat\w*|\bmap\w*|\bgenome\b",
                   _I)
ALIAS = re.compile(r"\balias\w*|\bother names?\b|\balso known\b|\bsynonyms?\b|\baka\b|\balternative names?\b", _I)
DISEASE_Q = re.compile(r"\bgenes?\b|\bloci\b|\blocus\b|\bcaus\w*|\bunderl\w*|\bbehind\b", _I)
DISEASE_LINK = re.compile(r"\bgenes?\b[^?]{0,40}\b(?:related|associated|linked|connected|implicated|involved|tied|"
                          r"behind|underlying|responsible|for|of|causing|cause|in)\b|\b(?:cause|causes|causing|underl\w*|"
                          r"behind)\b", _I)
# "which genes", "…genes?", "causal gene", "X is caused by": a link to a disease the question names
# before its gene word; it counts only when a disease candidate reads as a disease name (DISEASE_NOUN).
GENE_NAMED = re.compile(r"\b(?:which|what)\s+genes?\b|\bgenes?\s*(?:\(s\))?\s*(?:[?.!:,\-\u2013\u2014]|$)|"
                        r"\b(?:causal|causative|responsible|culprit|disease|underlying|known)\s+genes?\b|"
                        r"\b(?:is|are)\s+caused\s+by\b|(?:" + DISEASE_NOUN.pattern + r")\w*\s+genes?\b", _I)
YESNO = re.compile(r"^\s*(?:is|are|does|do|can|could|was|were|has|have)\b", _I)
LITERATURE = re.compile(
    r"\b(?:find|show|list|give|cite|search|summari[sz]e|recent|any|latest|what do|according to)\b[^.?]{0,40}"
    r"\b(?:papers?|studies|literature|articles|publications|pubmed|abstracts|trials?)\b|"
    r"\b(?:papers?|studies|literature|articles|publications|trials?)\b\s+(?:on|about|showing|that show|say)\b", _I)
CUE_WORDS = tuple(
    "function functions chromosome chromosomal chromosomes protein coding organism species where which what align "
    "alignment located location associated symbol official approved gene genes cytoband cytobands sequence aliases "
    "alias encode encodes locate".split()
)


def _fix_word(word: str) -> str:
    low = word.lower()
    if len(low) < 4 or low in CUE_WORDS or not low.isalpha():
        return word
    near = [c for c in difflib.get_close_matches(low, CUE_WORDS, n=3, cutoff=0.75)
            if c[0] == low[0] and abs(len(c) - len(low)) <= 1]
    return near[0] if near else word


def cue_text(question: str) -> str:
    """The question with typos in cue words fixed ('protien' → 'protein', 'wher' → 'where'), for the rules
    only; entities are always read from the question as written."""
    return re.sub(r"[A-Za-z]+", lambda m: _fix_word(m.group(0)), " ".join(question.split()))


PRIORITY: tuple[str, ...] = (
    "sequence_gene_alias", "sequence_organism", "sequence_alignment", "sequence_gene", "snp_gene_function",
    "snp_gene", "snp_location", "disease_gene_locations", "disease_genes", "protein_coding", "alias_symbol",
    "gene_location", "gene_function",
)


class Classified(BaseModel):
    """The classifier's decision."""

    intent: str | None = Field(description="One of INTENTS, or None: outside the closed set")
    entities: Entities
    candidates: list[str] = Field(default_factory=list, description="Intents the rules left open")
    how: Literal["rules", "model", "priority", "none"] = "none"
    tool_question: bool = Field(default=False, description="Names a gene/variant/sequence entity tools can look up")


def _sequence_intents(q: str) -> list[str]:
    if ALIAS.search(q):
        return ["sequence_gene_alias"]
    out = [i for i, rx in (("sequence_organism", ORGANISM), ("sequence_alignment", ALIGN)) if rx.search(q)]
    if not out and GENE_Q.search(q):
        out = ["sequence_gene"]
    return out or ["sequence_alignment", "sequence_organism", "sequence_gene"]


def _snp_intents(q: str) -> list[str]:
    if FUNC.search(q):
        return ["snp_gene_function"]
    if re.search(r"\b(?:which|what) gene\b|\bgene (?:name|symbol)\b|\bname of the gene\b|\bin which gene\b", q, _I):
        return ["snp_gene"]
    if LOC.search(q):
        return ["snp_location"]
    if GENE_Q.search(q):
        return ["snp_gene"]
    return ["snp_gene", "snp_location", "snp_gene_function"]


def _gene_intents(q: str, e: Entities) -> list[str]:
    if CODING.search(q):
        return ["protein_coding"]
    out = [i for i, rx in (("alias_symbol", SYMBOL), ("gene_location", LOC), ("gene_function", FUNC)) if rx.search(q)]
    if e.ensembl and not out:
        out = ["alias_symbol"]
    if "alias_symbol" in out and len(out) > 1 and re.search(r"\b(?:formerly|previously|once|old|older)\b", q, _I):
        out.remove("alias_symbol")  # "where is the gene formerly called X": X is the entity, not the question
    if "gene_location" in out and "alias_symbol" in out and re.search(r"\bsymbols?\b", q, _I) and \
            all(w.lower().startswith("map") for w in LOC.findall(q)):
        out.remove("gene_location")  # "which symbol does X map to": mapping names, not chromosomes
    return out


def rule_intents(question: str, e: Entities) -> list[str]:
    """The intents the rules leave open, given the entities (empty: outside the closed set)."""
    q = cue_text(question)
    if YESNO.search(q) and not CODING.search(q):
        return []  # "Is CFTR the gene mutated in …?": a claim to check, not a look-up
    if e.sequences:
        return _sequence_intents(q)
    if e.rsids:
        return _snp_intents(q)
    linked = DISEASE_LINK.search(q) or (GENE_NAMED.search(q) and any(DISEASE_NOUN.search(d) for d in e.diseases))
    wants_genes = bool(e.diseases) and DISEASE_Q.search(q) and linked
    if wants_genes and not CODING.search(q) and not (e.symbols and SYMBOL.search(q)):
        return ["disease_gene_locations"] if LOC.search(q) else ["disease_genes"]
    if e.gene_like:
        return _gene_intents(q, e)
    return []


async def _ask_model(llm: ChatModel, question: str, candidates: list[str]) -> str | None:
    choices: list[JsonValue] = [*candidates, "other"]
    schema = create_model("IntentChoice", intent=(str, Field(json_schema_extra={"enum": choices})))
    menu = "\n".join(f"- {c}: {DESCRIPTIONS.get(str(c), 'none of these')}" for c in choices)
    prompt = f"Question: {question}\n\nWhich of these does the question ask for?\n{menu}\nReply as JSON."
    try:
        got = await llm.complete([Message(role="user", content=prompt)], schema=schema, max_tokens=16)
    except Exception as e:  # noqa: BLE001  # an unusable reply leaves the decision to the priority order
        logger.info("intent: model choice failed (%s)", e)
        return None
    choice = str(getattr(got, "intent", ""))
    return choice if choice in choices else None


async def classify(question: str, llm: ChatModel | None = None) -> Classified:
    """The question's intent: rules first, then at most one constrained model call.

    Args:
        question: the user's question (data, never instructions).
        llm: a model for the one tie-breaking call; None decides ties by :data:`PRIORITY`.
    """
    e = extract(question)
    tool_q = bool(e.rsids or e.sequences or e.ensembl or e.entrez)
    if LITERATURE.search(question):
        return Classified(intent=None, entities=e, how="none", tool_question=False)
    cands = rule_intents(question, e)
    if len(cands) == 1:
        return Classified(intent=cands[0], entities=e, candidates=cands, how="rules", tool_question=True)
    if not cands:
        return Classified(intent=None, entities=e, how="none", tool_question=tool_q)
    if llm is not None:
        choice = await _ask_model(llm, question, cands)
        if choice is not None:
            return Classified(intent=None if choice == "other" else choice, entities=e, candidates=cands,
                              how="model", tool_question=True)
    best = min(cands, key=PRIORITY.index)
    return Classified(intent=best, entities=e, candidates=cands, how="priority", tool_question=True)
