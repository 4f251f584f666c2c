"""query_sql: text-to-SQL over the configured database, rows become citable evidence."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps
from biomedqa.errors import BiomedQAError
from biomedqa.types import ToolCall


async def query_sql(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    if deps.sql is None:
        return {"events": [node_event("query_sql", t0, "skipped: no database configured (sql.url)")]}
    try:
        ans = await deps.sql.ask(state["question"])
    except BiomedQAError as e:
        call = ToolCall(tool="sql", args={"question": state["question"]}, ok=False, error=str(e))
        return {"tool_calls": [call], "events": [node_event("query_sql", t0, f"failed: {e}")]}
    call = ToolCall(
        tool="sql",
        args={"question": state["question"]},
        ok=ans.error is None,
        error=ans.error,
        seconds=time.perf_counter() - t0,
        result={
            "sql": ans.sql,
            "columns": list(ans.columns),
            "rows": [list(r) for r in ans.rows[:20]],
            "answer": ans.answer,
            "repairs": ans.repairs,
        },
    )
    passages = ans.passages() if ans.error is None else []
    return {
        "passages": passages,
        "tool_calls": [call],
        "events": [
            node_event(
                "query_sql",
                t0,
                f"{len(ans.rows)} rows after {ans.repairs} repairs",
                sql=ans.sql,
                result=ans.model_dump(mode="json"),
                passages=[p.model_dump(mode="json") for p in passages],
            )
        ],
    }
