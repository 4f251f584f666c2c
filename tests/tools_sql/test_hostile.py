"""Issue #16, SQL classes: deep nesting, resource bombs and recursion are typed refusals or harmless,
each case in under 15 s and 500 MB (peak RSS growth during the case), the database unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from biomedqa.eval.security import sql as area
from biomedqa.eval.security.common import timed
from biomedqa.eval.security.sql_cases import DRIVER_CASES, HARMLESS
from biomedqa.hashing import sha256_file
from biomedqa.tools.sql.tool import SqlTool

DRIVER = {name for name, _ in DRIVER_CASES}


@pytest.fixture(scope="module")
def hostile_tool(sample_db: Path) -> Iterator[SqlTool]:
    tool = area.make_tool(sample_db)
    yield tool
    tool.close()


def _case_names() -> list[str]:
    from biomedqa.eval.security import sql_cases as c

    names = [n for n, _ in c.DEPTH_CASES + c.BUILDER_CASES + c.RECURSION_CASES + c.POSTGRES_GUARD_CASES]
    return names + sorted(DRIVER) + ["ask-printf-bomb-every-draft", "ask-cte-self-reference",
                                     "ask-timeout-never-rerun"]


@pytest.mark.parametrize("name", _case_names())
def test_hostile_sql_case(hostile_tool: SqlTool, sample_db: Path, name: str) -> None:
    before = sha256_file(sample_db)
    fn = dict(area.cases(sample_db, hostile_tool))[name]
    res = timed("sql", name, fn)
    expected = "harmless" if name in HARMLESS or name in DRIVER else "refused"
    if name in DRIVER and res.outcome == "refused":
        expected = "refused"  # the driver's limits may refuse or bound a case; both are safe
    assert res.outcome == expected, res.detail
    assert res.seconds < 15 and res.peak_mb < 500, res
    assert sha256_file(sample_db) == before
