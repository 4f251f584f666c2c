"""Self-consistency over SQL drafts: sample k drafts, run each through the checks, vote by result.

Drafts come from a fixed plan of (prompt variant, temperature) pairs, so the first k drafts of a
k=5 run are exactly the drafts of a k=3 run. Each draft is guarded, grounded, executed and
shape-checked; only drafts that pass every check vote. Drafts are grouped by their result set
(rows as an unordered multiset, values normalised); the largest group wins, and ties are broken
by the model's likelihood of the drafts (mean log-probability per token), when it can score them.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from biomedqa.tools.sql.guard import GuardedQuery
from biomedqa.tools.sql.models import QueryResult
from biomedqa.types import Message

logger = logging.getLogger(__name__)

# (prompt variant, temperature): "base" is the full prompt, "plain" the same without few-shot examples.
DRAFT_PLAN: tuple[tuple[str, float], ...] = (
    ("base", 0.0), ("base", 0.7), ("plain", 0.0), ("plain", 0.7), ("base", 1.0),
)


@runtime_checkable
class ReplyScorer(Protocol):
    """A model that can score a given reply (the optional likelihood capability of a ChatModel)."""

    async def reply_logprob(self, messages: list[Message], reply: str) -> float:
        """Mean log-probability per token of ``reply`` as the assistant's answer to ``messages``."""
        ...


def draft_plan(k: int) -> list[tuple[str, float]]:
    """The first ``k`` (variant, temperature) pairs; beyond the fixed plan, hotter base drafts."""
    plan = list(DRAFT_PLAN[: max(1, k)])
    while len(plan) < k:
        plan.append(("base", round(0.8 + 0.1 * (len(plan) - len(DRAFT_PLAN)), 2)))
    return plan


@dataclass
class Draft:
    """One SQL draft and what the checks made of it."""

    index: int
    sql: str
    variant: str = "base"
    temperature: float = 0.0
    ran: str = ""
    result: QueryResult | None = None
    query: GuardedQuery | None = None
    problem: str | None = None  # None: passed every check
    refused: bool = False  # the guard refused it as unsafe (never repairable)
    absent: bool = False  # empty because values the question itself names are not stored
    column: str | None = None  # unknown column named by the guard, for re-targeting
    logprob: float | None = None
    fixes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Ran and passed every check."""
        return self.problem is None and self.result is not None

    def record(self) -> dict[str, Any]:
        """The attempt as stored in ``SqlAnswer.attempts``."""
        out: dict[str, Any] = {"draft": self.sql, "variant": self.variant, "temperature": self.temperature}
        if self.ran:
            out.update(sql=self.ran, fixes=list(self.fixes))
        if self.result is not None:
            out.update(rows=len(self.result.rows), ran=True)
        if self.ok:
            out["ok"] = True
        if self.problem:
            out["error"] = self.problem
        if self.logprob is not None:
            out["logprob"] = round(self.logprob, 4)
        return out


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(f"{float(v):.6g}") if math.isfinite(float(v)) else str(v)
    if isinstance(v, str):
        return v.strip().casefold()
    return v


def result_key(result: QueryResult) -> tuple[int, tuple[tuple[Any, int], ...]]:
    """Column count plus the rows as a multiset of value-sorted tuples (column order ignored)."""
    rows: Counter[tuple[Any, ...]] = Counter(
        tuple(sorted((_norm(v) for v in row), key=repr)) for row in result.rows)
    return len(result.columns), tuple(sorted(rows.items(), key=repr))


async def vote(drafts: list[Draft], llm: object, messages: list[Message], *, use_votes: bool = True) -> Draft | None:
    """The winning draft among those that passed, or None when none did.

    With ``use_votes`` False the first passing draft (plan order) wins: the checks alone choose.
    """
    passing = [d for d in drafts if d.ok]
    if not passing:
        return None
    if not use_votes or len(passing) == 1:
        return passing[0]
    groups: dict[Any, list[Draft]] = {}
    for d in passing:
        assert d.result is not None
        groups.setdefault(result_key(d.result), []).append(d)
    size = max(len(g) for g in groups.values())
    tied = [g for g in groups.values() if len(g) == size]
    if len(tied) > 1 and isinstance(llm, ReplyScorer):
        for g in tied:
            for d in g:
                if d.logprob is None:
                    try:
                        d.logprob = await llm.reply_logprob(messages, _reply_text(d.sql))
                    except Exception as e:  # scoring is a tie-break only: fall back to plan order
                        logger.warning("vote: could not score draft %d (%s); ties go to plan order", d.index, e)
                        d.logprob = -math.inf
        tied.sort(key=lambda g: -max(d.logprob if d.logprob is not None else -math.inf for d in g))
    winner = tied[0][0]
    logger.info("vote: %d/%d drafts passed, %d groups, winner draft %d (group of %d%s)", len(passing), len(drafts),
                len(groups), winner.index, size, ", tie broken by likelihood" if len(tied) > 1 else "")
    return winner


def _reply_text(sql: str) -> str:
    """The constrained JSON reply the model gave for this draft."""
    import json

    return json.dumps({"sql": sql})
