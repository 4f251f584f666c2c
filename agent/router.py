"""The deterministic router: decide a question's sources from its shape, or say it is unsure.

It decides closed questions, follow-ups, gene/SNP/sequence shapes, table words (when SQL is
configured) and plain single-part literature questions without calling the model. Questions
with several parts, or whose shape it does not recognise, are left to the model planner.
Every route carries the reason, which the trace records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from biomedqa.agent.state import ToolName
from biomedqa.types import Message

# The older gene/SNP/sequence word rule: the model planner's safety net (``fallback_plan``). The router
# itself defers to the tool-intent classifier of ``tools/eutils/intents.py`` (``tool_question``).
GENE_RX = re.compile(
    r"\brs\d+\b|\b(gene|genes|snp|alias|aliases|chromosome|cytogenetic|locus|omim|ncbi|blast|"
    r"official symbol|protein[- ]coding|[ACGT]{25,})\b",
    re.I,
)
SQL_RX = re.compile(
    r"\b(database|table|rows?|how many .* (in|from) the|p-?value|odds ratio|beta|gwas|approved drugs?)\b", re.I
)
_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|also|then|so|but|why|is it|are they|does it|do they|was it|were they)\b|"
    r"\b(it|its|they|them|their|this|that|these|those|the same)\b",
    re.I,
)
_MULTI = re.compile(
    r"\b(compare|comparison|versus|vs\.?|difference between|differences between|respectively|"
    r"first .* then|and (?:what|which|how|why|when|where|who)|as well as (?:what|which|how))\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|could|may|might|"
    r"has|have|had|should|will|would|list|name|describe|explain|give|tell)\b",
    re.I,
)
MAX_PLAIN_WORDS = 35


@dataclass(frozen=True)
class Route:
    """The router's decision: ``decided`` False means "let the model plan" (``reason`` says why)."""

    decided: bool
    reason: str
    tools: list[ToolName] = field(default_factory=lambda: list[ToolName](["pubmed"]))
    multi_part: bool = False


def shape_tools(
    question: str, *, sql_available: bool, eutils_available: bool, closed: bool, tool_question: bool | None = None
) -> list[ToolName]:
    """Sources the question's shape calls for: pubmed always; eutils for gene/SNP/sequence shapes (the
    intent classifier's ``tool_question`` when given, else the gene word rule); sql for table words."""
    tools: list[ToolName] = ["pubmed"]
    gene = GENE_RX.search(question) is not None if tool_question is None else tool_question
    if eutils_available and not closed and gene:
        tools.append("eutils")
    if sql_available and not closed and SQL_RX.search(question):
        tools.append("sql")
    return tools


def is_follow_up(question: str, history: list[Message]) -> bool:
    """A short question in a conversation that leans on the previous turn ("and its treatment?")."""
    return bool(history) and len(question.split()) <= 12 and bool(_FOLLOW_UP.search(question.strip()))


def is_multi_part(question: str) -> bool:
    """Several questions in one: two question marks, "compare ...", "X and what Y"."""
    return question.count("?") > 1 or bool(_MULTI.search(question))


def route(
    question: str,
    history: list[Message],
    *,
    sql_available: bool,
    eutils_available: bool,
    closed: bool,
    tool_question: bool | None = None,
) -> Route:
    """Decide the sources of ``question`` from its shape, or leave it to the model planner.

    ``tool_question``: the tool-intent classifier's verdict (``tools.eutils.intents.classify``), which
    decides gene/SNP/sequence shapes; None falls back to the gene word rule.
    """
    tools = shape_tools(
        question, sql_available=sql_available, eutils_available=eutils_available, closed=closed,
        tool_question=tool_question,
    )  # fmt: skip
    if closed:
        return Route(True, "closed question: literature evidence only", tools)
    if is_follow_up(question, history):
        return Route(True, "follow-up: searched together with the previous question", tools)
    if is_multi_part(question):
        return Route(False, "several parts: the model plans sub-questions", tools, multi_part=True)
    if "eutils" in tools:
        return Route(True, "gene/SNP/sequence shape: NCBI look-ups plus literature", tools)
    if "sql" in tools:
        return Route(True, "table words and a configured database: SQL plus literature", tools)
    words = len(question.split())
    if words <= MAX_PLAIN_WORDS and (_QUESTION_START.search(question.strip()) or question.rstrip().endswith("?")):
        return Route(True, "plain literature question: search the index", tools)
    return Route(False, f"unrecognised shape ({words} words): the model plans", tools)
