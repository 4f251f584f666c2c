"""Read-only SQLAlchemy engines with a statement timeout, for SQLite, PostgreSQL and others.

Read-only is enforced by the connection itself, so a write fails even if the SQL guard were
bypassed: SQLite opens ``file:...?mode=ro`` as a URI, PostgreSQL sessions start with
``default_transaction_read_only=on``, MySQL/MariaDB run ``SET SESSION TRANSACTION READ ONLY``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from biomedqa.errors import ConfigError, SQLResourceError
from biomedqa.tools.sql.limits import SQLITE_MAX_LENGTH, postgres_options

logger = logging.getLogger(__name__)

SQLITE_PROGRESS_STEPS = 2000


def normalize_url(db: str) -> str:
    """A SQLAlchemy URL for ``db``: URLs pass through, a file path becomes ``sqlite:///PATH``."""
    if "://" in db:
        return db
    path = Path(db).expanduser()
    if not path.exists():
        raise ConfigError(f"database file {path} does not exist.", hint="Pass --db PATH or a SQLAlchemy URL.")
    return f"sqlite:///{path.resolve()}"


def dialect_of(url: str) -> str:
    """The sqlglot dialect name for a SQLAlchemy URL (``postgresql+psycopg`` → ``postgres``)."""
    backend = make_url(url).get_backend_name()
    return {"postgresql": "postgres", "mssql": "tsql", "mariadb": "mysql"}.get(backend, backend)


def sqlite_path(url: str) -> Path | None:
    """The database file behind a SQLite URL, or None for other engines / in-memory."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


_SQLITE_ALLOWED = {
    sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_TRANSACTION,
    sqlite3.SQLITE_SAVEPOINT, getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
_READ_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
                 "database_list", "table_list"}
_ACTING_PRAGMAS = {"optimize", "wal_checkpoint", "incremental_vacuum", "shrink_memory", "vacuum"}
_DENIED_SQLITE_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}


def _sqlite_authorizer(action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None) -> int:
    """SQLite authorizer: reads, functions and introspection pragmas only (no ATTACH, no writes)."""
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        reading = name in _READ_PRAGMAS or (arg2 is None and name not in _ACTING_PRAGMAS)
        return sqlite3.SQLITE_OK if reading else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED else sqlite3.SQLITE_DENY


def limit_sqlite(conn: sqlite3.Connection) -> None:
    """No ATTACH, and no string, blob or row longer than SQLITE_MAX_LENGTH bytes on this connection."""
    if hasattr(conn, "setlimit"):  # Python >= 3.11
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
        return
    logger.warning("sqlite3 has no setlimit (Python < 3.11); strings are bounded by the SQL guard only")


def _sqlite_engine(url: str) -> sa.Engine:
    path = sqlite_path(url)
    if path is None:
        raise ConfigError("an in-memory SQLite database has no tables to query.", hint="Pass a .sqlite file.")
    if not path.exists():
        raise ConfigError(f"database file {path} does not exist.", hint="Pass --db PATH or a SQLAlchemy URL.")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"

    def creator() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        limit_sqlite(conn)
        conn.set_authorizer(_sqlite_authorizer)
        return conn

    return sa.create_engine("sqlite://", creator=creator, poolclass=sa.pool.StaticPool)


def open_engine(url: str, timeout_s: float) -> sa.Engine:
    """An engine whose connections are read-only and time out after ``timeout_s`` seconds."""
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    ms = max(1, int(timeout_s * 1000))
    if backend == "postgresql":
        return sa.create_engine(url, connect_args={"options": postgres_options(timeout_s)}, pool_pre_ping=True)
    engine = sa.create_engine(url, pool_pre_ping=True)
    if backend in {"mysql", "mariadb"}:
        @sa.event.listens_for(engine, "connect")
        def _readonly(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.execute(f"SET SESSION max_execution_time = {ms}")
            cur.close()
    else:
        logger.warning("no connection-level read-only mode known for %s; relying on the SQL guard", backend)
    return engine


@contextmanager
def deadline(conn: sa.Connection, timeout_s: float, sql: str) -> Iterator[None]:
    """Interrupt a SQLite statement that runs past ``timeout_s`` (other engines time out server-side)."""
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, sqlite3.Connection):
        yield
        return
    stop_at = time.monotonic() + timeout_s
    raw.set_progress_handler(lambda: int(time.monotonic() > stop_at), SQLITE_PROGRESS_STEPS)
    try:
        yield
    except (sqlite3.OperationalError, sa.exc.OperationalError) as e:
        if "interrupted" in str(e).lower():
            raise SQLResourceError(f"query exceeded the {timeout_s:g}s timeout and was stopped.", sql=sql,
                                   limit="timeout") from e
        raise
    finally:
        raw.set_progress_handler(None, SQLITE_PROGRESS_STEPS)
