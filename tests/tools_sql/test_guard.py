"""The guard on the real sample schema: hostile SQL refused, sloppy SQL repaired, BigQuery transpiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from biomedqa.errors import UnsafeSQLError
from biomedqa.eval.sql_refusals import HOSTILE_SQL
from biomedqa.tools.sql.connect import open_engine
from biomedqa.tools.sql.guard import InvalidSQLError, SqlGuard, unescape_csv_quotes
from biomedqa.tools.sql.run import SqlRunner
from biomedqa.tools.sql.schema import introspect

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"


@pytest.fixture(scope="module")
def engine(sample_db: Path):  # type: ignore[no-untyped-def]
    eng = open_engine(str(sample_db), timeout_s=5)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def guard(engine) -> SqlGuard:  # type: ignore[no-untyped-def]
    return SqlGuard(introspect(engine), write="sqlite", row_limit=50)


@pytest.mark.parametrize(("case_id", "sql"), [(c, s) for c, s, e in HOSTILE_SQL if e == "refuse"])
def test_hostile_sql_is_refused(guard: SqlGuard, case_id: str, sql: str) -> None:
    with pytest.raises(UnsafeSQLError) as info:
        guard.guard(sql)
    assert not isinstance(info.value, InvalidSQLError), f"{case_id} must be a hard refusal"


def test_comment_tail_is_dropped_and_limit_added(guard: SqlGuard) -> None:
    out, q = guard.guard(f"SELECT drugName FROM {D} -- ; DROP TABLE {D}")
    assert "DROP" not in out and "--" not in out
    assert out.endswith("LIMIT 50") and q.tables == [D]


def test_limit_is_capped(guard: SqlGuard) -> None:
    out, q = guard.guard(f"SELECT drugName FROM {D} LIMIT 100000")
    assert out.endswith("LIMIT 50") and "LIMIT capped at 50" in q.fixes


def test_sloppy_identifiers_and_literals_are_repaired(guard: SqlGuard) -> None:
    out, q = guard.guard('SELECT drugname FROM druggenetargets_comprehensiveannotations_updated '
                         'WHERE drugIsApproved = TRUE AND drugMolecularType = "Antibody"')
    assert f'FROM "{D}"' in out and 'SELECT "drugName"' in out
    assert '"drugIsApproved" = 1' in out and "'Antibody'" in out
    assert '"Antibody" read as a string' in q.fixes


def test_unknown_column_is_repairable_and_lists_columns(guard: SqlGuard) -> None:
    with pytest.raises(InvalidSQLError, match="unknown column potency; columns of .*drugName"):
        guard.guard(f"SELECT potency FROM {D}")


def test_bigquery_examples_transpile_to_sqlite_and_run(guard: SqlGuard, engine, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    text = (shared_data / "biomedsql" / "example_queries.txt").read_text()
    examples = re.split(r"Example \d+:", text)[1:]
    assert len(examples) == 5
    runner = SqlRunner(engine, timeout_s=5, row_limit=50)
    for ex in examples:
        out, q = guard.guard(unescape_csv_quotes(ex), read="bigquery")
        assert "card-ai-389220" not in out and "`" not in out
        assert q.tables and all(t in out for t in q.tables)
        result = runner.execute(out)
        assert result.columns, out


def test_transpiles_to_postgres_with_quoted_identifiers(engine) -> None:  # type: ignore[no-untyped-def]
    pg = SqlGuard(introspect(engine), write="postgres", row_limit=10)
    out, _ = pg.guard(f"SELECT drugName FROM `proj.ds.{D}` WHERE newLinkedTargets_string LIKE '%PPARG%'",
                      read="bigquery")
    assert out == (f'SELECT "drugName" FROM "{D}" WHERE "newLinkedTargets_string" ILIKE \'%PPARG%\' LIMIT 10')


def test_top_n_query_also_shows_the_ranking_column(guard: SqlGuard) -> None:
    out, q = guard.guard("SELECT SNP FROM ParkinsonDisease_CompleteGeneData_No23andMe WHERE chr_37 = 15 "
                         "ORDER BY freq DESC LIMIT 1")
    assert out.startswith('SELECT "SNP", "freq" FROM') and "also selected ranking column freq" in q.fixes
    plain, _ = guard.guard(f"SELECT drugName FROM {D} ORDER BY drugName")
    assert plain.startswith('SELECT "drugName" FROM')


def test_threshold_column_is_shown_unless_distinct_or_aggregate(guard: SqlGuard) -> None:
    out, q = guard.guard("SELECT Gene FROM NeurodegenerativeDiseases_SMR_Genes_Full "
                         "WHERE Disease = 'ALS' AND p_SMR_multi < 0.05")
    assert out.startswith('SELECT "Gene", "p_SMR_multi" FROM')
    assert "also selected threshold column p_SMR_multi" in q.fixes
    distinct, _ = guard.guard("SELECT DISTINCT drugName FROM DrugTargets_IndicationsAndTherapeuticUses "
                              "WHERE yearOfFirstApproval < 2000")
    assert distinct.startswith('SELECT DISTINCT "drugName" FROM')
    count, _ = guard.guard(f"SELECT COUNT(*) FROM {D} WHERE yearOfFirstApproval > 1990")
    assert count.startswith("SELECT COUNT(*) FROM")
