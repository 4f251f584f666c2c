"""The hostile-input suite end to end: every case refused or neutralised, the DB file unchanged."""

from __future__ import annotations

from pathlib import Path

from biomedqa.eval.sql_refusals import (
    HOSTILE_QUESTIONS,
    HOSTILE_SQL,
    content_fingerprint,
    run_model_sql_cases,
    run_question_cases,
    run_sql_cases,
    summarize,
)
from biomedqa.hashing import sha256_file
from biomedqa.testing import ScriptedChatModel

from .conftest import ToolFactory, sql_json


async def test_refusal_suite_leaves_the_database_byte_identical(make_tool: ToolFactory, sample_db: Path) -> None:
    assert len(HOSTILE_SQL) >= 30
    tool = make_tool("SELECT 1")
    before, fingerprint = sha256_file(sample_db), content_fingerprint(tool.engine)
    cases = run_sql_cases(tool) + await run_model_sql_cases(tool)
    summary = summarize(cases)
    assert summary["failed"] == [] and summary["cases"] == 2 * len(HOSTILE_SQL)
    refused = {c.id for c in cases if c.outcome == "refused"}
    assert {"drop", "attach", "pragma-write", "load-extension", "stacked", "recursive-cte"} <= refused
    assert all(c.rows <= tool.settings.row_limit for c in cases)
    assert sha256_file(sample_db) == before and content_fingerprint(tool.engine) == fingerprint


async def test_injected_questions_with_an_obedient_model(make_tool: ToolFactory, sample_db: Path) -> None:
    tool = make_tool("SELECT 1")
    evil = {"inject-drop": "DROP TABLE DrugGeneTargets_ComprehensiveAnnotations_updated",
            "inject-quote": "DELETE FROM DrugGeneTargets_ComprehensiveAnnotations_updated",
            "inject-role": "UPDATE DrugGeneTargets_ComprehensiveAnnotations_updated SET drugIsApproved = 1",
            "inject-attach": "ATTACH DATABASE '/tmp/biomedqa_evil.db' AS evil",
            "inject-pragma": "PRAGMA writable_schema = 1",
            "cartesian-ask": "SELECT * FROM DrugGeneTargets_ComprehensiveAnnotations_updated a, "
                             "ParkinsonDisease_CompleteGeneData_No23andMe b"}
    replies = {q: sql_json(evil[cid]) for cid, q in HOSTILE_QUESTIONS}
    tool.llm = ScriptedChatModel({q[-40:]: r for q, r in replies.items()}, default='{"answer": "rows [1]"}')
    before = sha256_file(sample_db)
    cases = await run_question_cases(tool)
    assert [c.ok for c in cases] == [True] * len(HOSTILE_QUESTIONS)
    # Four are refused by the guard; the attach request names nothing in the schema and is asked to clarify.
    assert sum(c.outcome == "refused" for c in cases) == 4
    assert "names nothing" in next(c.outcome for c in cases if c.id == "inject-attach")
    assert not Path("/tmp/biomedqa_evil.db").exists()
    assert sha256_file(sample_db) == before
