"""`biomedqa sql` output on a pipe: the bare query and whole lines, never a block padded to the console width."""

from __future__ import annotations

from pytest import CaptureFixture

from biomedqa.tools.sql.commands import render
from biomedqa.tools.sql.models import SqlAnswer


def test_empty_answer_on_a_pipe_is_short_lines(capsys: CaptureFixture[str]) -> None:
    sql = 'SELECT "SNP" FROM "AlzheimerDisease_CombinedGeneData_UUID" WHERE "p" < 1e-300 LIMIT 200'
    render(SqlAnswer(question="q", sql=sql, columns=["SNP"], rows=[], tables=["AlzheimerDisease_CombinedGeneData_UUID"],
                     answer=f"No rows matched this query: {sql}"))
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == sql and max(len(line) for line in lines) < 200
    assert "from AlzheimerDisease_CombinedGeneData_UUID" in out and f"No rows matched this query: {sql}" in out
