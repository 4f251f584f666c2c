"""Core data types shared by every layer (pydantic v2)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

Role = Literal["system", "user", "assistant"]
Verdict = Literal["supported", "partial", "unsupported"]
AnswerFormat = Literal["free", "yesno", "yesnomaybe", "choice", "factoid", "list"]
NAME_FORMATS = ("factoid", "list")  # answers that are names: ranked candidates / every item
EvidenceKind = Literal["literature", "tool", "table"]
SourceKind = Literal["index", "demo", "pubmed", "none"]
PMID_PATTERN = r"^[0-9]+$"
"""PubMed IDs are ASCII digits only (``str.isdigit`` also accepts '²³' and other Unicode digits)."""


def is_pmid(value: str) -> bool:
    """Whether ``value`` is a PubMed ID: one or more ASCII digits."""
    return bool(value) and value.isascii() and value.isdigit()


class Message(BaseModel):
    """One chat message sent to a ChatModel."""

    model_config = ConfigDict(frozen=True)
    role: Role
    content: str


class AskOptions(TypedDict, total=False):
    """The per-question keywords of ``Agent.ask`` / ``aask`` / ``stream`` / ``astream``."""

    options: Mapping[str, str] | None
    """Multiple-choice options, letter -> text; the answer then carries ``choice``."""
    format: AnswerFormat | None
    """free / yesno / yesnomaybe / choice / factoid (ranked names) / list (every name); default: choice when options
    are given, else free."""
    history: Sequence[Message] | None
    """Earlier turns of a conversation (follow-up questions)."""


class Passage(BaseModel):
    """A retrieved unit of evidence: an abstract, a chunk of one, a tool result or SQL rows."""

    model_config = ConfigDict(frozen=True)
    doc_id: str = Field(description="Unique id in its index: the PMID, 'PMID#chunk', 'sql:...', 'gene:...'")
    pmid: str | None = Field(default=None, pattern=PMID_PATTERN,
                             description="PubMed ID (ASCII digits) when the passage is from PubMed")
    title: str = ""
    text: str
    year: int | None = None
    score: float = Field(default=0.0, description="Higher is better; comparable only within one retriever")
    source: str = Field(default="dense", description="Where it came from: dense | bm25 | fused | pubmed | eutils | sql")
    kind: EvidenceKind = Field(
        default="literature",
        description="literature: an article or a chunk of one (graded); tool: an NCBI record; table: SQL rows",
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="Retriever-specific extras (ranks, chunk no.)")

    def with_score(self, score: float, source: str | None = None) -> Passage:
        return self.model_copy(update={"score": score, "source": source or self.source})


class LiteratureSource(BaseModel):
    """What a run searched for literature: a local index, the bundled demo index, PubMed live, or nothing."""

    model_config = ConfigDict(frozen=True)
    kind: SourceKind = Field(description="index: a local index; demo: the bundled demo index; pubmed: PubMed live")
    name: str = Field(default="", description="Index name (index, demo) or the PubMed query sent (pubmed)")
    docs: int | None = Field(default=None, description="Documents in the index, or candidates fetched from PubMed")
    label: str = Field(default="", description="The plain sentence shown with the answer, e.g. 'Searched: ...'")


class Citation(BaseModel):
    """A reference from an answer sentence to a retrieved passage."""

    doc_id: str
    pmid: str | None = None
    title: str = ""
    quote: str = Field(default="", description="Span of the passage's text that supports the claim")

    @property
    def url(self) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else None


class SentenceSupport(BaseModel):
    """Self-check verdict for one sentence of the answer."""

    sentence: str
    doc_ids: list[str] = Field(default_factory=list, description="Ids this sentence cites")
    verdict: Verdict
    reason: str = ""


class ToolCall(BaseModel):
    """One call of an external tool (E-utilities, SQL, PubMed) made during a run."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    result: Any = Field(default=None, description="JSON-able summary of what the tool returned")
    error: str | None = None
    seconds: float = 0.0
    requests: list[str] = Field(default_factory=list, description="Canonical keys of HTTP/SQL requests made")


class ToolAnswer(BaseModel):
    """What an E-utilities chain found: a short answer plus the calls and evidence behind it."""

    answer: str = Field(default="", description="Short answer; '' when nothing was found")
    tool_calls: list[ToolCall] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    task: str | None = Field(default=None, description="Recognised question shape, or 'llm'")


class TraceEvent(BaseModel):
    """One step of a run: a node's inputs/outputs, an LLM call, a tool call."""

    kind: str = Field(description="node | llm | tool | retrieve | error")
    name: str
    at: float = Field(default_factory=time.time)
    seconds: float = 0.0
    data: dict[str, Any] = Field(default_factory=dict)


class Trace(BaseModel):
    """Everything a run did, savable as JSON and replayable offline."""

    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    question: str = ""
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings snapshot (secrets removed)")
    events: list[TraceEvent] = Field(default_factory=list)

    def add(self, kind: str, name: str, seconds: float = 0.0, **data: Any) -> TraceEvent:
        ev = TraceEvent(kind=kind, name=name, seconds=seconds, data=data)
        self.events.append(ev)
        return ev

    def of_kind(self, kind: str) -> list[TraceEvent]:
        return [e for e in self.events if e.kind == kind]

    def llm_replies(self) -> list[tuple[str, str]]:
        """(prompt, reply) pairs in call order, for replaying the model's side of a run."""
        return [(e.data.get("prompt", ""), e.data.get("reply", "")) for e in self.of_kind("llm")]


class Answer(BaseModel):
    """The result of one question."""

    question: str
    text: str = Field(description="Answer prose with inline [PMID:n] / [doc_id] citations")
    format: AnswerFormat = "free"
    choice: str | None = Field(default=None, description="Option letter, or yes/no/maybe, for closed formats")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Closed formats: the model's log-probability of each option (uncalibrated)"
    )
    probs: dict[str, float] = Field(
        default_factory=dict, description="Closed formats: option probabilities after agent.calibration"
    )
    calibration: str | None = Field(default=None, description="Closed formats: the calibration that chose the option")
    view_scores: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Yes/no(/maybe): option log-probabilities under the other prompt views scored (agent.choice_views)",
    )
    exact: list[str] = Field(
        default_factory=list, description="factoid: up to 5 candidate names, most likely first; list: every name found"
    )
    citations: list[Citation] = Field(default_factory=list)
    evidence: list[Passage] = Field(default_factory=list, description="Passages the answer was written from")
    support: list[SentenceSupport] = Field(default_factory=list)
    grounded: bool | None = Field(default=None, description="None: not self-checked")
    sql: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    searched: LiteratureSource | None = Field(
        default=None, description="The literature source this run searched (kind 'none': no literature was searched)"
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage")
    trace: Trace | None = Field(default=None, exclude=False)

    @property
    def pmids(self) -> list[str]:
        return list(dict.fromkeys(c.pmid for c in self.citations if c.pmid))

    def to_public(self, with_trace: bool = False) -> dict[str, Any]:
        """The JSON shape printed by ``biomedqa ask --json``."""
        out = self.model_dump(mode="json", exclude=None if with_trace else {"trace"})
        out["answer"] = self.text
        return out


class AgentEvent(BaseModel):
    """One streamed event of a run: a node finished, an answer token, or the final answer."""

    kind: Literal["node", "token", "answer", "error"]
    name: str = ""
    text: str = Field(default="", description="Token text for kind=token; a one-line summary for kind=node")
    data: dict[str, Any] = Field(default_factory=dict)
    answer: Answer | None = None
