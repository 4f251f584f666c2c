"""Execute guarded SQL on a read-only engine: timeout, row limit, JSON-able values."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import time
from typing import Any

import sqlalchemy as sa

from biomedqa.errors import SQLExecutionError, SQLResourceError
from biomedqa.tools.sql.connect import deadline
from biomedqa.tools.sql.limits import MAX_CELL_BYTES, MAX_RESULT_BYTES, postgres_session_sql
from biomedqa.tools.sql.models import QueryResult

logger = logging.getLogger(__name__)


_RESOURCE_MESSAGES = (
    ("string or blob too big", "length"), ("too big", "length"), ("out of memory", "memory"),
    ("statement timeout", "timeout"), ("canceling statement", "timeout"), ("requested length too large", "length"),
    ("interrupted", "timeout"),
)


def value_bytes(value: Any) -> int:
    """Approximate bytes of one fetched value (strings by UTF-8 length at most 4 per character)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, str):
        return len(value) if value.isascii() else 4 * len(value)
    return 16


def fetch_capped(cur: Any, row_limit: int, sql: str) -> list[Any]:
    """Up to ``row_limit + 1`` rows, one at a time, refusing a cell or a result over the byte caps."""
    rows: list[Any] = []
    total = 0
    while len(rows) <= row_limit:
        row = cur.fetchone()
        if row is None:
            break
        for value in row:
            size = value_bytes(value)
            if size > MAX_CELL_BYTES:
                raise SQLResourceError(f"a result value of {size:,} bytes is over the {MAX_CELL_BYTES:,}-byte cap; "
                                       "select shorter values.", sql=sql, limit="cell")
            total += size
        if total > MAX_RESULT_BYTES:
            raise SQLResourceError(f"the result passed {MAX_RESULT_BYTES:,} bytes; select fewer or shorter values.",
                                   sql=sql, limit="result")
        rows.append(row)
    return rows


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of one database value."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


class SqlRunner:
    """Runs one statement at a time and returns at most ``row_limit`` rows."""

    def __init__(self, engine: sa.Engine, *, timeout_s: float = 10.0, row_limit: int = 200) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self.row_limit = row_limit

    def execute(self, sql: str) -> QueryResult:
        """Execute guarded SQL; database errors become SQLExecutionError with a one-line message.

        Failures for resources (timeout, SQLite's length limit, the cell/result byte caps, memory)
        are SQLResourceError, which callers must not retry.
        """
        t0 = time.perf_counter()
        dbapi_error = getattr(self.engine.dialect.loaded_dbapi, "Error", Exception)
        try:
            with self.engine.connect() as conn, deadline(conn, self.timeout_s, sql):
                raw: Any = conn.connection.dbapi_connection
                cur = raw.cursor()  # no parameters: the driver never parses '%' or ':' in the SQL
                try:
                    if self.engine.dialect.name == "postgresql":
                        for stmt in postgres_session_sql(self.timeout_s):
                            cur.execute(stmt)
                    cur.execute(sql)
                    columns = [d[0] for d in cur.description or []]
                    fetched = fetch_capped(cur, self.row_limit, sql)
                finally:
                    cur.close()
                    raw.rollback()
        except SQLExecutionError:
            raise
        except MemoryError as e:
            raise SQLResourceError("the query ran out of memory and was stopped; select less.", sql=sql,
                                   limit="memory") from e
        except (dbapi_error, sa.exc.SQLAlchemyError) as e:
            orig = getattr(e, "orig", None) or e
            msg = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            limit = next((kind for text, kind in _RESOURCE_MESSAGES if text in msg.lower()), None)
            if limit == "timeout":
                msg = f"query exceeded the {self.timeout_s:g}s timeout and was stopped"
            if limit is not None:
                raise SQLResourceError(f"database error: {msg[:300]}", sql=sql, limit=limit) from e
            raise SQLExecutionError(f"database error: {msg[:300]}", sql=sql) from e
        rows = [[jsonable(v) for v in r] for r in fetched[: self.row_limit]]
        seconds = time.perf_counter() - t0
        logger.info("sql: %d rows in %.3fs", len(rows), seconds)
        return QueryResult(sql=sql, columns=columns, rows=rows, truncated=len(fetched) > self.row_limit,
                           seconds=seconds)

    def scalar_values(self, table: str, column: str, where: sa.ColumnElement[bool] | None, limit: int) -> list[Any]:
        """Distinct values of ``table.column`` (optionally filtered), through bound parameters."""
        t = sa.table(table, sa.column(column))
        col: sa.ColumnClause[Any] = t.c[column]
        stmt = sa.select(col).where(col.is_not(None)).distinct().limit(limit)
        if where is not None:
            stmt = stmt.where(where)
        try:
            with self.engine.connect() as conn, deadline(conn, self.timeout_s, str(stmt)):
                return [r[0] for r in conn.execute(stmt)]
        except (sa.exc.SQLAlchemyError, SQLExecutionError) as e:
            logger.debug("value lookup on %s.%s failed: %s", table, column, e)
            return []

    def values_like(self, table: str, column: str, text: str, *, exact: bool, limit: int = 5) -> list[Any]:
        """Values equal to ``text`` (exact=True) or containing it, ignoring case."""
        col: sa.ColumnClause[Any] = sa.column(column)
        low = sa.func.lower(col)
        needle = text.lower()
        cond = low == needle if exact else low.like("%" + needle.replace("%", "").replace("_", "") + "%")
        return self.scalar_values(table, column, cond, limit)
