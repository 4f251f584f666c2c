"""Execute guarded SQL on a read-only engine: timeout, row limit, JSON-able values."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import time
from typing import Any

import sqlalchemy as sa

from biomedqa.errors import SQLExecutionError
from biomedqa.tools.sql.connect import deadline
from biomedqa.tools.sql.models import QueryResult

logger = logging.getLogger(__name__)


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
        """Execute guarded SQL; database errors become SQLExecutionError with a one-line message."""
        t0 = time.perf_counter()
        dbapi_error = getattr(self.engine.dialect.loaded_dbapi, "Error", Exception)
        try:
            with self.engine.connect() as conn, deadline(conn, self.timeout_s, sql):
                raw: Any = conn.connection.dbapi_connection
                cur = raw.cursor()  # no parameters: the driver never parses '%' or ':' in the SQL
                try:
                    cur.execute(sql)
                    columns = [d[0] for d in cur.description or []]
                    fetched = cur.fetchmany(self.row_limit + 1)
                finally:
                    cur.close()
                    raw.rollback()
        except SQLExecutionError:
            raise
        except (dbapi_error, sa.exc.SQLAlchemyError) as e:
            orig = getattr(e, "orig", None) or e
            msg = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            if "statement timeout" in msg or "canceling statement" in msg:
                msg = f"query exceeded the {self.timeout_s:g}s timeout and was stopped"
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
