"""Self-consistency: k drafts voted by result, shape checks, honest empty answers, clarification."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from biomedqa.settings import Settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.sql import SqlTool, build_sql_tool
from biomedqa.tools.sql.vote import draft_plan

from .conftest import answer_json, sql_json

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"
BLACK_BOX = f"SELECT drugName FROM {D} WHERE blackBoxWarning = 1"
WRONG_COLUMN = f"SELECT drugName FROM {D} WHERE drugDescription LIKE '%FDA black box warning%'"


@pytest.fixture
def voter(sql_settings: Settings) -> Iterator[object]:
    built: list[SqlTool] = []

    def make(*drafts: str, logprobs: dict[str, float] | None = None, **over: object) -> SqlTool:
        queue = list(drafts)

        def next_draft(_prompt: str) -> str:
            return sql_json(queue.pop(0) if len(queue) > 1 else queue[0])

        llm = ScriptedChatModel({'{"answer"': answer_json("See [1]."), '{"sql"': next_draft}, reply_logprobs=logprobs)
        tool = build_sql_tool(sql_settings.with_overrides({"sql.drafts": len(drafts), **over}), llm)
        built.append(tool)
        return tool

    yield make
    for t in built:
        t.close()


def test_plan_prefixes_are_the_smaller_plans() -> None:
    assert draft_plan(5)[:3] == draft_plan(3) and draft_plan(1) == [("base", 0.0)]
    assert len({(v, t) for v, t in draft_plan(5)}) == 5 and len(draft_plan(7)) == 7


async def test_majority_result_wins_over_the_greedy_draft(voter) -> None:  # type: ignore[no-untyped-def]
    other = f"SELECT drugName FROM {D} WHERE drugIsApproved = 0"
    tool = voter(other, BLACK_BOX, f"SELECT drugName FROM {D} WHERE blackBoxWarning = 1 LIMIT 5")
    ans = await tool.ask("Which drug carries an FDA black box warning?")
    assert ans.rows == [["Haloperidol Lactate"]] and ans.repairs == 0
    assert [a["variant"] for a in ans.attempts] == ["base", "base", "plain"]
    no_vote = voter(other, BLACK_BOX, BLACK_BOX, **{"sql.vote": False})
    assert (await no_vote.ask("Which drug carries an FDA black box warning?")).rows == [["Batoclimab"], ["Remtolumab"]]


async def test_tie_is_broken_by_the_models_likelihood(voter) -> None:  # type: ignore[no-untyped-def]
    approved = f"SELECT drugName FROM {D} WHERE drugIsApproved = 0"
    tool = voter(approved, BLACK_BOX, logprobs={"blackBoxWarning": -0.1, "drugIsApproved": -0.9})
    ans = await tool.ask("Which drug carries an FDA black box warning?")
    assert ans.rows == [["Haloperidol Lactate"]]
    assert {a.get("logprob") for a in ans.attempts} == {-0.1, -0.9}


async def test_wrong_shape_is_trimmed_or_outvoted(voter) -> None:  # type: ignore[no-untyped-def]
    ranked = f"SELECT drugName, synonyms_count FROM {D} ORDER BY synonyms_count DESC LIMIT 1"
    tool = voter(ranked)
    ans = await tool.ask("Which drug has the most synonyms?")
    assert ans.columns == ["drugName"] and ans.rows == [["Phenprocoumon"]]
    assert any("dropped filter/order columns synonyms_count" in f for f in ans.attempts[0]["fixes"])
    star = voter(f"SELECT * FROM {D} WHERE blackBoxWarning = 1", BLACK_BOX, f"SELECT * FROM {D} LIMIT 1")
    ans2 = await star.ask("Which drug carries an FDA black box warning?")
    assert ans2.columns == ["drugName"] and "selects 20" in ans2.attempts[0]["error"]


async def test_how_many_needs_one_number(voter) -> None:  # type: ignore[no-untyped-def]
    tool = voter(f"SELECT drugName FROM {D} WHERE drugHasBeenWithdrawn = 1",
                 f"SELECT COUNT(*) FROM {D} WHERE drugHasBeenWithdrawn = 1", **{"sql.max_repairs": 0})
    ans = await tool.ask("How many drugs have been withdrawn?")
    assert ans.rows == [[2]] and "asks 'how many'" in ans.attempts[0]["error"]


async def test_failing_draft_is_never_answered_as_is(voter) -> None:  # type: ignore[no-untyped-def]
    tool = voter(f"SELECT drugName, drugIsApproved FROM {D}", **{"sql.max_repairs": 1})
    ans = await tool.ask("Which drug carries an FDA black box warning?")
    assert ans.error and "asks for 1 column" in ans.error and ans.rows == [] and ans.repairs == 1
    assert ans.answer.startswith("I could not answer")


async def test_unmatched_literal_rejects_a_draft_even_with_rows(voter) -> None:  # type: ignore[no-untyped-def]
    either = f"SELECT drugName FROM {D} WHERE drugName = 'Zzyzx' OR blackBoxWarning = 1"
    tool = voter(either, BLACK_BOX, BLACK_BOX, **{"sql.vote": False})
    ans = await tool.ask("Which drug carries an FDA black box warning?")
    assert "unmatched values" in ans.attempts[0]["error"] and ans.sql.endswith("LIMIT 200") and "Zzyzx" not in ans.sql


async def test_empty_after_repairs_is_reported_as_no_rows_matched(voter) -> None:  # type: ignore[no-untyped-def]
    egfr = f"SELECT drugName FROM {D} WHERE newLinkedTargets_string LIKE '%EGFR (%'"
    tool = voter(egfr, egfr, **{"sql.max_repairs": 1})
    ans = await tool.ask("Which drugs target EGFR?")
    assert ans.error is None and ans.rows == [] and ans.repairs == 1
    assert ans.answer.startswith("No rows matched this query: SELECT") and "EGFR" in ans.answer
    assert "holds no such record" not in ans.answer


async def test_wrong_column_literal_is_repaired_not_answered_empty(voter) -> None:  # type: ignore[no-untyped-def]
    queue = [WRONG_COLUMN, BLACK_BOX]
    llm = ScriptedChatModel({'{"answer"': answer_json("See [1]."),
                             '{"sql"': lambda p: sql_json(queue.pop(0) if len(queue) > 1 else queue[0])})
    tool = voter(WRONG_COLUMN)
    tool.llm = llm
    ans = await tool.ask("Which drug carries an FDA black box warning?")
    assert ans.rows == [["Haloperidol Lactate"]] and ans.repairs == 1
    assert "stored values look like" in llm.calls[-2]["prompt"]


async def test_question_naming_nothing_gets_a_clarifying_refusal(voter) -> None:  # type: ignore[no-untyped-def]
    tool = voter(BLACK_BOX)
    for question in ("x", "What is the capital of France?"):
        ans = await tool.ask(question)
        assert ans.needs_clarification and not ans.refused and ans.sql == "" and ans.rows == []
        assert "Which data do you mean?" in ans.answer and "drug" in ans.answer
    assert tool.llm.calls == []  # type: ignore[attr-defined]


async def test_all_drafts_unsafe_is_a_refusal(voter) -> None:  # type: ignore[no-untyped-def]
    tool = voter(f"DELETE FROM {D}", f"DROP TABLE {D}")
    ans = await tool.ask("Show the drugs.")
    assert ans.refused and ans.repairs == 0 and len(tool.llm.calls) == 2  # type: ignore[attr-defined]
    mixed = voter(f"DELETE FROM {D}", BLACK_BOX)
    ans2 = await mixed.ask("Which drug carries an FDA black box warning?")
    assert not ans2.refused and ans2.rows == [["Haloperidol Lactate"]]
    assert json.dumps(ans2.attempts).count("refused") == 1
