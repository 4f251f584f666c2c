"""Hostile NCBI servers: bounded waits, capped bodies, typed errors, no network for DTDs.

Cases come from :mod:`biomedqa.eval.security.eutils` (real recorded responses, hostile where named);
timing cases run with short deadlines so the suite stays fast, and assert the bound holds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from biomedqa.errors import NCBIError, NCBIResponseError
from biomedqa.eval.security import eutils as hostile
from biomedqa.eval.security.common import rss_mb
from biomedqa.tools.eutils.body import retry_after
from biomedqa.tools.eutils.parse import parse_xml
from biomedqa.tools.eutils.safexml import OfflineDataHandler

FAST = {"deadline": 1.0, "call_deadline": 1.5, "retry_after_cap": 0.3}


@pytest.mark.parametrize("value,expected", [
    ("inf", 5.0), ("99999", 5.0), ("-5", 0.0), ("3", 3.0), ("nan", None), ("soon", None), ("", None),
    ("Fri, 31 Dec 9999 23:59:59 GMT", 5.0), ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
])
def test_retry_after_is_capped(value: str, expected: float | None) -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": value}), 5.0) == expected


@pytest.mark.parametrize("case", [c for c in hostile.CASES if "Retry-After" in c.name or "stall" in c.name
                                  or "never" in c.name or "trickle" in c.name], ids=lambda c: c.name)
async def test_slow_servers_end_within_the_deadline(case: hostile.Case) -> None:
    t0 = time.perf_counter()
    call, _ = await hostile.run_case(case, **FAST)
    wall = time.perf_counter() - t0
    assert not call.ok and call.error
    assert wall < FAST["call_deadline"] + 0.5, (wall, call.error)


async def test_a_slow_failure_pauses_later_requests() -> None:
    toolbox = hostile.hostile_toolbox(hostile.server(hostile.on("esummary", hostile._stall)), **FAST)
    t0 = time.perf_counter()
    call = await toolbox.call("gene_search", {"term": "LMP10"})  # real esearch, stalled esummary, efetch paused
    assert not call.ok and time.perf_counter() - t0 < FAST["call_deadline"] + 0.5
    with pytest.raises(NCBIError, match="paused"):
        await toolbox.client.esearch("gene", "LMP10")
    await toolbox.aclose()


async def test_gzip_bomb_is_refused_after_decompression_without_inflating() -> None:
    bomb = hostile.gzip_bomb(200)  # 200 MB of zeros in about 200 kB
    assert len(bomb) < 1_000_000
    toolbox = hostile.hostile_toolbox(hostile.server(hostile.on("esearch", lambda r: httpx.Response(
        200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(bomb)))), max_body_mb=8)
    before = rss_mb()
    with pytest.raises(NCBIResponseError) as e:
        await toolbox.client.esearch("gene", "LMP10")
    assert e.value.kind == "too_large"
    assert rss_mb() - before < 100  # 200 MB never materialised; at most the 8 MB cap was
    await toolbox.aclose()


@pytest.mark.parametrize("case", [c for c in hostile.CASES if c.name not in {
    "headers never come", "body trickles 1 byte/s", "esummary stalls after a real esearch"}
    and "Retry-After" not in c.name and "bomb" not in c.name], ids=lambda c: c.name)
async def test_odd_bodies_are_typed_failures_or_sane_results(case: hostile.Case) -> None:
    call, bound = await hostile.run_case(case, **FAST)
    assert call.seconds < bound
    if call.ok:
        assert isinstance(call.result, dict) and isinstance(call.result.get("items"), list)
    else:
        assert call.error and "\n" not in call.error and "Traceback" not in call.error


def _unbundled_pubmed() -> bytes:
    return hostile._dtd_swapped(hostile.fixture("pubmed1.xml"), hostile._UNBUNDLED)


def test_unbundled_dtd_is_never_fetched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import Bio.Entrez.Parser as entrez_parser

    fetched: list[str] = []
    monkeypatch.setattr(entrez_parser, "urlopen", lambda url, *a, **k: fetched.append(url))  # would be a fetch
    monkeypatch.setattr(entrez_parser.DataHandler, "local_dtd_dir", str(tmp_path))
    record = parse_xml(_unbundled_pubmed())  # sockets are blocked too (pytest-socket)
    assert "PubmedArticleSet" in record
    assert fetched == [] and list(tmp_path.iterdir()) == []
    bundled = parse_xml(hostile.fixture("pubmed1.xml"))  # a bundled DTD still parses with Bio.Entrez
    assert bundled["PubmedArticle"][0]["MedlineCitation"]["PMID"]


async def test_unbundled_dtd_in_replay_mode_stays_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import Bio.Entrez.Parser as entrez_parser

    def refuse(url: str, *a: object, **k: object) -> None:
        raise AssertionError(f"Bio.Entrez tried to fetch {url}")

    monkeypatch.setattr(entrez_parser, "urlopen", refuse)
    toolbox = hostile.hostile_toolbox(hostile.server(hostile.on("efetch", lambda r: httpx.Response(
        200, content=_unbundled_pubmed()))))
    call = await toolbox.call("pubmed_fetch", {"pmids": ["19304878"]})
    assert call.ok or call.error
    await toolbox.aclose()


def test_offline_handler_refuses_what_biopython_does_not_bundle() -> None:
    handler = OfflineDataHandler(validate=False, escape=False, ignore_errors=False)
    with pytest.raises(ValueError, match="not bundled"):
        handler.open_dtd_file("x_2099.dtd")
    handler.open_dtd_file("esearch.dtd").close()


async def test_call_tools_node_and_chain_never_raise_on_hostile_servers() -> None:
    from langgraph.runtime import Runtime

    from biomedqa.agent.nodes.call_tools import call_tools
    from biomedqa.deps import Deps
    from biomedqa.settings import get_settings
    from biomedqa.testing import ScriptedChatModel

    for case in hostile.CASES[12:18]:
        toolbox = hostile.hostile_toolbox(hostile.server(case.hostile), **FAST)
        deps = Deps(get_settings(), eutils=toolbox, llm=ScriptedChatModel(default='{"tool": "answer", "argument": ""}'))
        out = await call_tools({"question": "What is the official gene symbol of LMP10?"}, Runtime(context=deps))
        assert out["tool_calls"] and all(isinstance(c.ok, bool) for c in out["tool_calls"]), case.name
        await toolbox.aclose()


@pytest.mark.parametrize("name", ['{"esearchresult": "x"}', "100k nested JSON arrays", "redirect loop",
                                  "headers never come"])
def test_ask_end_to_end_prints_an_answer_not_a_traceback(name: str, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """``ask`` on a gene question whose NCBI server is hostile: a normal answer from the index, exit 0."""
    from click.testing import CliRunner

    from biomedqa.api import Agent
    from biomedqa.cli import cli, use_agent_factory
    from biomedqa.deps import Deps
    from biomedqa.settings import Settings
    from biomedqa.testing import ListRetriever, ScriptedChatModel
    from biomedqa.types import Passage

    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "home"))
    case = next(c for c in hostile.CASES if c.name == name)
    passage = Passage(doc_id="5699", pmid="5699", source="bm25",
                      text="PSMB10, also called LMP10, encodes a proteasome subunit.")
    llm = ScriptedChatModel(replies={"Plan how": '{"tools": ["eutils"], "sub_questions": [], '
                                                 '"needs_retrieval": true, "search_query": "LMP10"}'},
                            default="PSMB10 is the official symbol of LMP10 [1].")

    def factory(settings: Settings) -> Agent:
        s = settings.with_overrides({"agent.use_sql": False, "ncbi.replay": ["geneturing"], "agent.reflect": False,
                                     "agent.grade": False})
        toolbox = hostile.hostile_toolbox(hostile.server(case.hostile), **FAST)
        return Agent(deps=Deps(s, llm=llm, retriever=ListRetriever([passage]), eutils=toolbox))

    trace = tmp_path / "trace.json"
    with use_agent_factory(factory):
        result = CliRunner().invoke(cli, ["ask", "What is the official gene symbol of LMP10?", "-s", "fast",
                                          "--trace", str(trace)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "PSMB10" in result.output
    calls = [c for c in json.loads(trace.read_text())["tool_calls"] if c["tool"] == "gene_search"]
    assert calls and not any(c["ok"] for c in calls), calls  # the tool was called, and failed cleanly
