"""Pydantic types of the SQL tool: schema catalog entries, query results and the final answer."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from biomedqa.types import Passage

logger = logging.getLogger(__name__)

MAX_PASSAGES = 50


class ColumnInfo(BaseModel):
    """One column as introspected from the database, with notes attached when available."""

    name: str
    type: str = Field(description="Database type name, upper case: TEXT, INTEGER, REAL, BOOLEAN ...")
    kind: str = Field(default="text", description="text | int | float | bool | other, for grounding and prompts")
    samples: list[Any] = Field(default_factory=list, description="A few distinct non-null example values")
    note: str = Field(default="", description="Meaning of the column, from the schema notes")


class TableInfo(BaseModel):
    """One table: its columns, row count and notes."""

    name: str
    columns: list[ColumnInfo]
    row_count: int | None = None
    note: str = Field(default="", description="What the table holds, from the schema notes")
    keywords: list[str] = Field(default_factory=list, description="Extra words that point to this table")

    def column(self, name: str) -> ColumnInfo | None:
        """The column with this name, matched case-insensitively."""
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


class FewShot(BaseModel):
    """One hand-written question/SQL example for prompting (never an evaluation item)."""

    question: str
    sql: str
    tables: list[str] = Field(default_factory=list)


class SchemaNotes(BaseModel):
    """Column meanings and domain rules for a database, loaded from YAML."""

    description: str = ""
    rules: list[str] = Field(
        default_factory=list, description="Domain rules, e.g. 'genome-wide significance is p < 5e-8'"
    )
    tables: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="table -> {note, keywords, columns: {column: meaning}}"
    )
    examples: list[FewShot] = Field(default_factory=list, description="Few-shot pool for the generator")


class QueryResult(BaseModel):
    """Rows returned by one guarded query."""

    sql: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(default=False, description="More rows existed than the row limit")
    seconds: float = 0.0


class SqlAnswer(BaseModel):
    """What ``SqlTool.ask`` returns: the SQL that ran, its rows, and an answer in words."""

    model_config = ConfigDict(frozen=False)
    question: str
    sql: str = Field(default="", description="The guarded SQL that was executed (target dialect)")
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    answer: str = Field(default="", description="Answer in words, citing [sql:<table>:<n>] rows")
    repairs: int = Field(default=0, description="Repair rounds used after the first attempt")
    error: str | None = Field(default=None, description="Why no answer could be produced (refusal, failure)")
    tables: list[str] = Field(default_factory=list, description="Tables the SQL reads")
    refused: bool = Field(default=False, description="True when the guard refused the request as unsafe")
    needs_clarification: bool = Field(
        default=False, description="True when the question names nothing in the schema, so no query was written")
    attempts: list[dict[str, Any]] = Field(default_factory=list, description="SQL tried per round and its outcome")
    truncated: bool = False

    def doc_id(self, n: int) -> str:
        """Citation id of the n-th row (1-based)."""
        table = self.tables[0] if self.tables else "query"
        return f"sql:{table}:{n}"

    def passages(self) -> list[Passage]:
        """One citable passage per returned row (at most 50), with the SQL kept in ``meta``."""
        if self.error is not None:
            return []
        title = " + ".join(self.tables) or "SQL result"
        out = []
        for i, row in enumerate(self.rows[:MAX_PASSAGES], start=1):
            text = "; ".join(f"{c} = {v}" for c, v in zip(self.columns, row, strict=False))
            out.append(Passage(
                doc_id=self.doc_id(i), title=title, text=text, source="sql", kind="table", score=1.0,
                meta={"sql": self.sql, "row": i, "tables": list(self.tables)},
            ))
        return out
