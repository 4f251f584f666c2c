"""Graph state: a TypedDict with reducers on the fields that accumulate across nodes."""

from __future__ import annotations

import operator
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from biomedqa.types import (
    AnswerFormat,
    Citation,
    LiteratureSource,
    Message,
    Passage,
    SentenceSupport,
    ToolCall,
    TraceEvent,
)

ToolName = Literal["pubmed", "eutils", "sql"]


class PlanTools(BaseModel):
    """The small planner schema for single-part questions: sources and one search query."""

    tools: list[ToolName] = Field(default_factory=lambda: list[ToolName](["pubmed"]), description="Sources to consult")
    search_query: str = Field(default="", description="Keyword query for the literature index")


class PlanOut(PlanTools):
    """The full planner schema, for questions with several parts: sub-questions too."""

    sub_questions: list[str] = Field(default_factory=list, max_length=3, description="At most 3 short sub-questions")
    needs_retrieval: bool = Field(default=True, description="False only for questions answerable without evidence")


class Plan(PlanOut):
    """What the planner decided: the model's output after checks, or the deterministic fallback."""

    source: Literal["model", "router", "fallback"] = "fallback"
    reason: str = Field(default="", description="Why the router decided, or why the model was asked")


class Draft(BaseModel):
    """A generated answer before self-checking: text with [n] evidence references, optional choice."""

    text: str
    choice: str | None = None
    scores: dict[str, float] = Field(default_factory=dict, description="Option log-probabilities, closed formats")
    probs: dict[str, float] = Field(default_factory=dict, description="Calibrated option probabilities, closed formats")
    calibration: str | None = Field(default=None, description="The calibration that chose the option")
    view_scores: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Option log-probabilities under the other prompt views scored, by view"
    )


class Checked(BaseModel):
    """A draft with its verdicts and the evidence they refer to: the best one reflect has seen, so that a
    revision that verifies no better than the draft before it does not replace it."""

    draft: Draft
    support: list[SentenceSupport]
    evidence_ids: list[str]

    def score(self) -> tuple[int, int]:
        """(supported, partial) sentences: what finalize would keep."""
        return (sum(s.verdict == "supported" for s in self.support), sum(s.verdict == "partial" for s in self.support))


class Final(BaseModel):
    """What finalize hands to the API: the rendered answer and its checked support."""

    text: str
    choice: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    support: list[SentenceSupport] = Field(default_factory=list)
    grounded: bool | None = Field(default=None, description="None: not self-checked")
    scores: dict[str, float] = Field(default_factory=dict, description="Option log-probabilities, closed formats")
    probs: dict[str, float] = Field(default_factory=dict, description="Calibrated option probabilities, closed formats")
    calibration: str | None = Field(default=None, description="The calibration that chose the option")
    view_scores: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Option log-probabilities under the other prompt views scored, by view"
    )
    exact: list[str] = Field(default_factory=list, description="factoid / list formats: the names, in order")


def merge_passages(left: list[Passage] | None, right: list[Passage] | None) -> list[Passage]:
    """Union by doc_id keeping the higher score; order: best score first, stable. ``None`` resets."""
    if right is None:
        return []
    best: dict[str, Passage] = {}
    for p in [*(left or []), *right]:
        if p.doc_id not in best or p.score > best[p.doc_id].score:
            best[p.doc_id] = p
    return list(best.values())  # dicts keep first-insertion order


class AgentState(TypedDict, total=False):
    question: str
    history: list[Message]
    options: dict[str, str]
    format: AnswerFormat
    plan: Plan
    queries: list[str]
    expansions: list[str]
    passages: Annotated[list[Passage], merge_passages]
    tool_calls: Annotated[list[ToolCall], operator.add]
    events: Annotated[list[TraceEvent], operator.add]
    evidence: list[Passage]
    searched: LiteratureSource
    draft: Draft
    support: list[SentenceSupport]
    best: Checked
    feedback: str
    revisions: int
    retrievals: int
    final: Final


def is_closed(state: AgentState) -> bool:
    """A closed question: a yes/no(/maybe) format, or multiple-choice options to pick from (factoid and list
    answers are free text: names with citations)."""
    return state.get("format", "free") in ("yesno", "yesnomaybe", "choice") or bool(state.get("options"))
