"""Deterministic entity extraction from a gene / variant / disease / sequence question.

Nothing here calls NCBI or a model. Gene-symbol candidates are only *candidates*: the intent
recipes (:mod:`.intent_recipes`) keep the one whose NCBI search returns a record with that symbol
or alias, so a symbol is checked against what NCBI returns, never guessed.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

RSID = re.compile(r"\brs\s?(\d{1,12})\b", re.IGNORECASE)
ENSEMBL = re.compile(r"\bENS[A-Z]*G\d{6,}(?:\.\d+)?\b", re.IGNORECASE)
ENTREZ = re.compile(r"\b(?:entrez(?:\s+gene)?(?:\s+id)?|gene\s*id|geneid)\s*[:#]?\s*(\d{1,9})\b", re.IGNORECASE)
DNA = re.compile(r"[ACGTN]{25,}", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![\w\-./@])([A-Za-z0-9][A-Za-z0-9\-./@_]*[A-Za-z0-9]|[A-Z0-9]{2})(?![\w\-@])")
# Words that look like symbols but are question scaffolding, units or database names.
NOT_SYMBOLS = frozenset(
    "DNA RNA SNP SNPS SNV GWAS NCBI OMIM HGNC BLAST PUBMED ID IDS USA UK OK FAQ NB PS II III IV HUMAN GRCH37 GRCH38 "
    "HG19 HG38 MRNA CDNA DBSNP DBVAR CLINVAR ENSEMBL UNIPROT GENBANK REFSEQ GENE "
    "NA TRUE FALSE YES NO ALSO CHR HI HEY HELLO THANKS PLEASE QUICK QUESTION AKA ETC".split()
)
# Everyday words a capitalised sentence start or a typo could make look like a symbol.
_ENGLISH = frozenset(
    "what which where when who how why is are was the a an of in on to for with and or its it this that does do "
    "gene genes symbol name official approved current located location chromosome snp variant disease".split()
)
ORGANISMS: dict[str, tuple[str, int]] = {
    "human": ("Homo sapiens", 9606), "mouse": ("Mus musculus", 10090), "rat": ("Rattus norvegicus", 10116),
    "zebrafish": ("Danio rerio", 7955), "yeast": ("Saccharomyces cerevisiae", 559292),
    "worm": ("Caenorhabditis elegans", 6239), "fly": ("Drosophila melanogaster", 7227),
    "chicken": ("Gallus gallus", 9031), "dog": ("Canis lupus familiaris", 9615), "pig": ("Sus scrofa", 9823),
    "cow": ("Bos taurus", 9913), "frog": ("Xenopus tropicalis", 8364), "rice": ("Oryza sativa", 4530),
    "arabidopsis": ("Arabidopsis thaliana", 3702),
}
_ORGANISM_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("human", re.compile(r"\b(?:homo sapiens|humans?)\b", re.I)),
    ("mouse", re.compile(r"\b(?:mouse|mice|murine|mus musculus)\b", re.I)),
    ("rat", re.compile(r"\b(?:rats?|rattus norvegicus)\b", re.I)),
    ("zebrafish", re.compile(r"\b(?:zebra ?fish|danio rerio)\b", re.I)),
    ("yeast", re.compile(r"\b(?:yeast|s\. ?cerevisiae|saccharomyces cerevisiae)\b", re.I)),
    ("worm", re.compile(r"\b(?:c\. ?elegans|caenorhabditis elegans|nematode)\b", re.I)),
    ("fly", re.compile(r"\b(?:drosophila(?: melanogaster)?|fruit ?fly)\b", re.I)),
    ("chicken", re.compile(r"\b(?:chicken|gallus gallus)\b", re.I)),
    ("rice", re.compile(r"\b(?:rice|oryza sativa)\b", re.I)),
    ("arabidopsis", re.compile(r"\barabidopsis(?: thaliana)?\b", re.I)),
]
# Phrases after which a disease name follows ("genes related to X", "what causes X").
_DISEASE_LEADS = re.compile(
    r"(?:related|associated|linked|connected|implicated|involved|tied)\s+(?:to|with|in)\s+|"
    r"\b(?:leads?|led|gives?\s+rise)\s+to\s+|"
    r"\b(?:behind|underlying|underlie|underlies|causing|cause|causes|for|of|in|about)\s+(?=\S)",
    re.I,
)
_DISEASE_STOP = re.compile(
    r"\s*(?:\?|\(|\[|;|:|!|,\s*(?:and|please|thanks|i\b)|\s-\s|\bgenes?\b|\bsit\b|\blocated\b|\blie\b|\bsit on\b|"
    r"\bmap(?:s|ped)?\b|\bfound\b|\bon which\b|\bon what\b|\band where\b|\band their\b|\bthanks\b|\bplease\b|"
    r"\bin the (?:human )?genome\b|\bcytobands?\b|\bchromosom\w*|\bare (?:there|they)\b|\bis it\b|\.\s|\.$|$)",
    re.I,
)
# Words only a disease name ends in or contains (no abbreviations): what marks a disease named before "gene".
DISEASE_NOUN = re.compile(
    r"syndrome|disease|deficiency|dystrophy|anemia|anaemia|acidosis|cancer|carcinoma|tumou?r|disorder|"
    r"dysplasia|atrophy|myopathy|neuropathy|ataxia|sis\b|emia\b|itis\b|oma\b|pathy\b|plasia\b|trophy\b",
    re.I,
)
_DISEASE_WORDS = re.compile(DISEASE_NOUN.pattern + r"|type\s+[0-9ivx]+|\b[A-Z]{1,4}\d?[A-Z]?\b\s*$", re.I)
# A disease named first, then the question ("Currarino syndrome: which genes?", "X - what gene?",
# "X is caused by mutations in which gene?", "X which genes").
_DISEASE_FIRST = re.compile(
    r"^\s*(?:the\s+)?([^:?!;,]{3,120}?)\s*(?::|\s[-\u2013\u2014]+\s|,|"
    r"\s+(?:is|are)\s+(?:caused|due|linked|associated|related|inherited)\b|\s+(?=(?:which|what|where)\b))", re.I)
_NOT_DISEASE_START = re.compile(
    r"(?:what|which|where|how|why|who|whose|is|are|does|do|can|could|list|name|tell|give|show|find|map|"
    r"i|i'm|im|my|we|our|please|hey|hi|quick)\b", re.I)
# A disease named right before "gene(s)" ("the Currarino syndrome genes", "GNMT deficiency gene location").
_BEFORE_GENE = re.compile(r"((?:[\w'/.\-]+\s+){0,7}?[\w'/.\-]*(?:" + DISEASE_NOUN.pattern + r")[\w\-]*"
                          r"(?:\s+(?:type\s+)?(?:\d{1,2}[A-Z]?|[IVX]{1,4}))?)\s+genes?\b", re.I)
_SCAFFOLD = frozenset(
    "the a an are is was which what where do does of for to in on about my our your their these those known main "
    "key candidate causal responsible all any".split())


class Entities(BaseModel):
    """What a question names, in the order it names them."""

    rsids: list[str] = Field(default_factory=list, description="dbSNP ids, 'rs123'")
    ensembl: list[str] = Field(default_factory=list, description="Ensembl gene ids")
    entrez: list[str] = Field(default_factory=list, description="NCBI Gene ids written as 'gene id 672'")
    sequences: list[str] = Field(default_factory=list, description="DNA sequences (upper case, no spaces)")
    symbols: list[str] = Field(default_factory=list, description="Gene symbol/alias candidates, unverified")
    diseases: list[str] = Field(default_factory=list, description="Disease name candidates, best first")
    organism: str | None = Field(default=None, description="Scientific name of an organism the question names")

    @property
    def gene_like(self) -> bool:
        return bool(self.symbols or self.ensembl or self.entrez)


def _sequences(question: str) -> list[str]:
    # Pieces of one sequence split by spaces or line breaks are joined (same case on both sides only,
    # so "...TTTG to human" does not swallow "t").
    joined = re.sub(r"(?<=[ACGTN])[\s\-]+(?=[ACGTN])", "", question)
    joined = re.sub(r"(?<=[acgtn])[\s\-]+(?=[acgtn]{8})", "", joined) if re.search(r"[acgt]{25}", joined) else joined
    return [m.group(0).upper() for m in DNA.finditer(joined) if len(set(m.group(0).upper())) >= 3]


def _looks_like_symbol(tok: str) -> bool:
    if tok.upper() in NOT_SYMBOLS or tok.lower() in _ENGLISH or RSID.fullmatch(tok) or ENSEMBL.fullmatch(tok):
        return False
    if re.fullmatch(r"\d+(?:\.\d+)?", tok) or re.fullmatch(r"[ACGTN]{12,}", tok):
        return False
    has_digit = any(c.isdigit() for c in tok)
    uppers = sum(c.isupper() for c in tok)
    if tok.isupper() and len(tok) >= 2:
        return True
    if has_digit and any(c.isalpha() for c in tok):
        return True  # C20orf195, 15-LOX, bMRP63, p53
    return uppers >= 2 and not tok.istitle()  # GalNAc-T, hCAP, FoxP3


def symbol_candidates(question: str, exclude: set[str] | None = None) -> list[str]:
    """Tokens shaped like gene symbols or aliases, question order; a lower-case word right after
    'gene' (e.g. 'the gene brca1') counts too."""
    skip = {e.upper() for e in (exclude or set())}
    text = DNA.sub(" ", question)
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group(1).rstrip(".")
        if tok.upper() not in skip and _looks_like_symbol(tok):
            out.append(tok)
    for m in re.finditer(r"\bgene\s+(?:symbol\s+|called\s+|named\s+)?([a-z][a-z0-9\-]{1,14})\b", text):
        tok = m.group(1)
        if tok not in _ENGLISH and any(c.isdigit() for c in tok) and tok.upper() not in skip:
            out.append(tok.upper())
    return list(dict.fromkeys(out))


def disease_candidates(question: str) -> list[str]:
    """Phrases after 'related to', 'genes for', 'causes' …, cut at the first scaffolding word;
    the ones that read like disease names first."""
    q = " ".join(question.split())
    found: list[str] = []
    for m in _DISEASE_LEADS.finditer(q):
        rest = q[m.end():]
        stop = _DISEASE_STOP.search(rest)
        phrase = rest[: stop.start()] if stop else rest
        phrase = re.sub(r"^(?:(?:a\s+)?(?:suspected\s+|possible\s+)?cases?\s+of|the|a|an|of|patients with|people with|"
                        r"familial forms of)\s+", "", phrase.strip(), flags=re.I)
        phrase = re.sub(r"(?:\s+(?:is|are|was|were|to|in|on|of|for|with|into))+$", "", phrase).strip(" .,'\"")
        if 3 <= len(phrase) <= 120 and not re.match(r"(?:genes?|it|this|that|them|humans?|the genome|which|what|"
                                                     r"older|newer|papers?|literature|my|our|your)\b", phrase, re.I):
            found.append(phrase)
    found += _named_before_gene(q)
    ranked = sorted(dict.fromkeys(found), key=lambda p: (0 if _DISEASE_WORDS.search(p) else 1, -len(p)))
    return ranked


def _named_before_gene(q: str) -> list[str]:
    """Disease names that come before the question's 'gene' ('X: which genes?', 'the X genes')."""
    out: list[str] = []
    first = _DISEASE_FIRST.match(q)
    if first and DISEASE_NOUN.search(first.group(1)) and not _NOT_DISEASE_START.match(first.group(1)):
        out.append(first.group(1).strip(" .,'\""))
    for m in _BEFORE_GENE.finditer(q):
        words = m.group(1).split()
        cut = max((i + 1 for i, w in enumerate(words) if w.lower() in _SCAFFOLD), default=0)
        phrase = " ".join(words[cut:]).strip(" .,'\"")
        if len(phrase) >= 3 and DISEASE_NOUN.search(phrase):
            out.append(phrase)
    return out


def organism_named(question: str) -> str | None:
    """The scientific name of a non-default organism the question names (None: human assumed)."""
    for key, rx in _ORGANISM_WORDS:
        if rx.search(question):
            return ORGANISMS[key][0]
    return None


def extract(question: str) -> Entities:
    """Every entity the question names (see :class:`Entities`)."""
    q = " ".join(question.split())
    rsids = list(dict.fromkeys(f"rs{m.group(1)}" for m in RSID.finditer(q)))
    ensembl = list(dict.fromkeys(m.group(0).upper() for m in ENSEMBL.finditer(q)))
    entrez = list(dict.fromkeys(m.group(1) for m in ENTREZ.finditer(q)))
    seqs = _sequences(question)
    symbols = symbol_candidates(q, exclude=set(ensembl))
    return Entities(rsids=rsids, ensembl=ensembl, entrez=entrez, sequences=seqs, symbols=symbols,
                    diseases=disease_candidates(q), organism=organism_named(DNA.sub(" ", q)))
