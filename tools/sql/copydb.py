"""Copy every table of one database into another (e.g. the BiomedSQL SQLite sample into PostgreSQL).

``python -m biomedqa.tools.sql.copydb SRC_URL DST_URL`` maps column types through SQLAlchemy's
generic types (TEXT → TEXT, INTEGER → BIGINT, REAL → DOUBLE PRECISION) and keeps the exact,
case-sensitive table and column names, so the same SQL answers on both engines.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import sqlalchemy as sa

from biomedqa.tools.sql.connect import normalize_url

logger = logging.getLogger(__name__)


def target_type(col_type: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """A portable column type for a reflected source type."""
    name = str(col_type).upper() if not isinstance(col_type, sa.types.NullType) else "TEXT"
    if "BOOL" in name:
        return sa.Boolean()
    if "INT" in name:
        return sa.BigInteger()
    if any(k in name for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return sa.Float(precision=53)
    return sa.Text()


def copy_database(src_url: str, dst_url: str, *, replace: bool = True) -> dict[str, int]:
    """Create each source table in the destination and copy its rows; returns rows per table."""
    src = sa.create_engine(normalize_url(src_url))
    dst = sa.create_engine(dst_url)
    counts: dict[str, int] = {}
    try:
        src_meta = sa.MetaData()
        src_meta.reflect(bind=src)
        dst_meta = sa.MetaData()
        tables = {}
        for name, table in src_meta.tables.items():
            tables[name] = sa.Table(name, dst_meta, *[
                sa.Column(c.name, target_type(c.type), quote=True) for c in table.columns
            ], quote=True)
        if replace:
            dst_meta.drop_all(dst)
        dst_meta.create_all(dst)
        with src.connect() as s_conn, dst.begin() as d_conn:
            for name, table in src_meta.tables.items():
                rows = [dict(r._mapping) for r in s_conn.execute(sa.select(table))]
                if rows:
                    d_conn.execute(tables[name].insert(), rows)
                counts[name] = len(rows)
    finally:
        src.dispose()
        dst.dispose()
    logger.info("copied %d tables, %d rows", len(counts), sum(counts.values()))
    return counts


def main(argv: list[str] | None = None) -> int:
    """CLI entry: copy SRC into DST and print one line per table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="source SQLAlchemy URL or SQLite file")
    parser.add_argument("dst", help="destination SQLAlchemy URL")
    args = parser.parse_args(argv)
    counts = copy_database(args.src, args.dst)
    for name, n in sorted(counts.items()):
        sys.stderr.write(f"{name}: {n} rows\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
