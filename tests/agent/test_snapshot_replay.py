from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from biomedqa.agent.graph import build_graph
from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.testing import ScriptedChatModel


def test_graph_shape(snapshot) -> None:
    assert build_graph().get_graph().draw_mermaid() == snapshot


def test_saved_trace_replays_offline(deps: Deps, scripted: ScriptedChatModel, tmp_path: Path) -> None:
    scripted.replies = {
        "Plan how to answer": json.dumps({"tools": ["pubmed"], "needs_retrieval": True, "search_query": "CFTR"}),
        "Which evidence passages help": json.dumps({"relevant": [1]}),
        "in 2-4 short sentences": lambda p: p.split("<<<", 1)[1].split(".")[0] + " [1].",
    }
    answer = Agent(deps=deps).ask("cystic fibrosis transmembrane conductance regulator")
    path = tmp_path / "trace.json"
    path.write_text(answer.model_dump_json())
    from biomedqa.cli import cli

    r = CliRunner().invoke(cli, ["trace", "replay", str(path), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["same_as_recorded"] is True and out["pmids"] == answer.pmids
    shown = CliRunner().invoke(cli, ["trace", "show", str(path)])
    assert "retrieve" in shown.output and "grade" in shown.output
