"""The real bundled model (qwen2.5-coder-1.5b) on one easy question, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.deps import Deps
from biomedqa.settings import get_settings
from biomedqa.tools.sql import build_sql_tool


@pytest.mark.llm
async def test_real_model_answers_an_easy_question(sample_db: Path) -> None:
    settings = get_settings("default").with_overrides(
        {"sql.url": str(sample_db), "sql.max_repairs": 1, "sql.answer_with_llm": False, "llm.max_tokens": 200,
         "sql.drafts": 2})
    deps = Deps(settings)
    tool = build_sql_tool(settings, deps.llm)
    try:
        ans = await tool.ask("What is the nearest gene to rs4786183 in the Parkinson's GWAS table?")
    finally:
        tool.close()
        deps.close()
    assert ans.error is None, ans.attempts
    assert ans.tables == ["ParkinsonDisease_CompleteGeneData_No23andMe"]
    assert any("RBFOX1" in [str(v) for v in row] for row in ans.rows)
    assert ans.passages()[0].doc_id == "sql:ParkinsonDisease_CompleteGeneData_No23andMe:1"
