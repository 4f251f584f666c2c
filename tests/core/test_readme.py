"""The README's Python API example runs as written (model and index swapped for fakes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from biomedqa.deps import Deps
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert code, "README has no python example"
    llm = ScriptedChatModel(
        {
            "Plan how to answer": json.dumps({"tools": ["pubmed"], "needs_retrieval": True, "search_query": "CFTR"}),
            "Which evidence passages help": json.dumps({"relevant": [1]}),
            "in 2-4 short sentences": "Cystic fibrosis is caused by mutations in the CFTR gene [1].",
        }
    )
    cf = Passage(
        doc_id="8589615", pmid="8589615", title="CFTR", text="Cystic fibrosis is caused by mutations in the CFTR gene."
    )
    monkeypatch.setattr(Deps, "llm", property(lambda self: llm))
    monkeypatch.setattr(Deps, "retriever", property(lambda self: ListRetriever([cf])))
    monkeypatch.setattr(Deps, "ncbi_available", property(lambda self: False))
    exec(compile(code.group(1), str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "[PMID:8589615]" in out and "['8589615']" in out and "supported" in out
