"""Schema grounding: introspect tables, columns, types and sample values; attach schema notes."""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import ValidationError

from biomedqa.errors import ConfigError
from biomedqa.tools.sql.models import ColumnInfo, SchemaNotes, TableInfo

logger = logging.getLogger(__name__)
MAX_SAMPLE_WORDS = 6
_NOT_DATA = re.compile(r"[\x00-\x1f<>{}`|\\]|>>>|<<<|(?i:\b(?:ignore|instruction|system|assistant|prompt)\b)")

BUNDLED_NOTES = {"biomedsql": "biomedsql_notes.yaml"}
N_SAMPLES = 3
SAMPLE_CHARS = 60
SAMPLE_SCAN_ROWS = 200
PROMPT_TYPES = {"int": "INTEGER", "float": "REAL", "text": "TEXT", "bool": "BOOLEAN"}


def column_kind(type_name: str) -> str:
    """Coarse kind of a database type: text, int, float, bool or other."""
    t = type_name.upper()
    if "BOOL" in t:
        return "bool"
    if "INT" in t:
        return "int"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "float"
    if any(k in t for k in ("CHAR", "TEXT", "CLOB", "STRING")) or not t:
        return "text"
    return "other"


def load_notes(path: Path | str | None) -> SchemaNotes:
    """Schema notes from a YAML file, a bundled name (``biomedsql``), or empty notes for None."""
    if path is None:
        return SchemaNotes()
    name = str(path)
    if name in BUNDLED_NOTES:
        text = (resources.files("biomedqa.tools.sql") / BUNDLED_NOTES[name]).read_text()
    else:
        p = Path(path).expanduser()
        if not p.exists():
            raise ConfigError(f"schema notes file {p} does not exist.", hint="Set sql.schema_notes to a YAML file.")
        text = p.read_text()
    try:
        return SchemaNotes.model_validate(yaml.safe_load(text) or {})
    except (yaml.YAMLError, ValidationError) as e:
        raise ConfigError(f"schema notes {name} are invalid: {str(e).splitlines()[0]}.") from e


def default_notes_for(tables: list[str]) -> SchemaNotes:
    """The bundled notes whose tables overlap the database's tables, else empty notes."""
    notes = load_notes("biomedsql")
    return notes if set(notes.tables) & set(tables) else SchemaNotes()


def _samples(conn: sa.Connection, table: sa.Table, col: sa.Column[Any]) -> list[Any]:
    """The first distinct values in storage order (the same on SQLite and a freshly loaded copy)."""
    stmt = sa.select(col).where(col.is_not(None)).limit(SAMPLE_SCAN_ROWS)
    values: list[Any] = []
    for (v,) in conn.execute(stmt):
        if isinstance(v, str):
            if not v.strip():
                continue
            v = v if len(v) <= SAMPLE_CHARS else v[:SAMPLE_CHARS] + "…"
        if v not in values:
            values.append(v)
        if len(values) >= N_SAMPLES:
            break
    return values


def introspect(engine: sa.Engine, notes: SchemaNotes | None = None, samples: bool = True) -> list[TableInfo]:
    """Every user table of the database with columns, types, row counts and sample values."""
    notes = notes or SchemaNotes()
    insp = sa.inspect(engine)
    names = [n for n in insp.get_table_names() if not n.lower().startswith(("sqlite_", "pg_"))]
    meta = sa.MetaData()
    out: list[TableInfo] = []
    with engine.connect() as conn:
        for name in sorted(names):
            table = sa.Table(name, meta, autoload_with=conn)
            tnote = notes.tables.get(name, {})
            cnotes: dict[str, str] = tnote.get("columns", {}) or {}
            count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            cols = []
            for col in table.columns:
                type_name = str(col.type).upper() if not isinstance(col.type, sa.types.NullType) else "TEXT"
                cols.append(ColumnInfo(
                    name=col.name, type=type_name, kind=column_kind(type_name),
                    samples=_samples(conn, table, col) if samples and count else [],
                    note=str(cnotes.get(col.name, "")),
                ))
            out.append(TableInfo(
                name=name, columns=cols, row_count=int(count or 0), note=str(tnote.get("note", "")),
                keywords=[str(k) for k in tnote.get("keywords", [])],
            ))
    logger.info("schema: %d tables, %d columns", len(out), sum(len(t.columns) for t in out))
    return out


def render_table(table: TableInfo, columns: list[str] | None = None, with_samples: bool = True) -> str:
    """A compact CREATE-like description of one table for a prompt."""
    lines = [f"TABLE {table.name}" + (f"  -- {table.note}" if table.note else "")]
    keep = {c.lower() for c in columns} if columns else None
    for c in table.columns:
        if keep is not None and c.name.lower() not in keep:
            continue
        line = f"  {c.name} {PROMPT_TYPES.get(c.kind, c.type)}"
        extras = []
        if c.note:
            extras.append(c.note)
        shown = [lit for lit in map(data_literal, c.samples) if lit is not None][:2] if with_samples else []
        if shown and c.kind == "text" and len(c.note) < 40:
            extras.append("e.g. " + ", ".join(shown))
        if extras:
            line += "  -- " + "; ".join(extras)
        lines.append(line)
    return "\n".join(lines)


def data_literal(value: object, chars: int = 28) -> str | None:
    """A stored value as a short quoted literal for a prompt, or None when it does not look like data.

    Values reach the SQL-writing prompt and the repair hints, so text that could read as an
    instruction (more than six words, control characters, markup, fence markers, prompt words) is dropped.
    """
    if not isinstance(value, str):
        return repr(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    text = value.strip()
    if not text or len(text.split()) > MAX_SAMPLE_WORDS or _NOT_DATA.search(text):
        return None
    return repr(_short(text, chars))


def _short(value: object, chars: int = 28) -> object:
    return value if not isinstance(value, str) or len(value) <= chars else value[:chars] + "…"
