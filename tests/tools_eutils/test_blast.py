"""BLAST URL API: polling rules on a fake clock (real recorded bodies), report parsing, replay."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import httpx
import pytest

from biomedqa.errors import BlastError
from biomedqa.shared_data import shared_data_dir
from biomedqa.testing import ManualClock
from biomedqa.tools.eutils.blast import (
    BlastClient,
    BlastTiming,
    parse_put,
    parse_report,
    report_status,
)
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.toolbox import EutilsToolbox

SEQ = ("ATTCTGCCTTTAGTAATTTGATGACAGAGACTTCTTGGGAACCACAGCCAGGGAGCCACCCTTTACTCCACCAACAGGTGGCTTATATCCAATCTGAGAAAG"
       "AAAGAAAAAAAAAAAAGTATTTCTCT")


@cache
def bodies() -> dict[str, str]:
    """Real recorded BLAST bodies: one of each status."""
    path = shared_data_dir() / "genegpt_geneturing" / "api_response_cache.jsonl.gz"
    with gzip.open(path, "rt") as f:
        rows = [json.loads(x) for x in f if '"blast.' in x]
    out = {"put": next(r["response"] for r in rows if r["kind"] == "blast.Put")}
    for status in ("WAITING", "UNKNOWN", "READY"):
        out[status] = next(r["response"] for r in rows if f"Status={status}" in r["response"]
                           and (status != "READY" or len(r["response"]) < 10000))
    return out


def _server(*gets: str) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cmd = request.url.params["CMD"]
        calls.append(cmd)
        if cmd == "Put":
            return httpx.Response(200, text=bodies()["put"])
        return httpx.Response(200, text=gets[min(calls.count("Get"), len(gets)) - 1])

    return handler, calls


async def test_polls_wait_rtoe_then_once_a_minute(mock_client: Callable[..., EutilsClient], clock: ManualClock) -> None:
    handler, calls = _server(bodies()["WAITING"], bodies()["WAITING"], bodies()["READY"])
    blast = BlastClient(mock_client(handler), BlastTiming(min_first_wait=10, poll_interval=60), sleep=clock.sleep)
    rid, _ = await blast.put(SEQ)
    report = await blast.get(rid, rtoe=25)
    assert calls == ["Put", "Get", "Get", "Get"] and report_status(report) == "READY"
    waits = [s for s in clock.sleeps if s >= 10]
    assert waits == [25, 60, 60]
    assert parse_report(report)


async def test_unknown_rid_and_timeout_raise(mock_client: Callable[..., EutilsClient], clock: ManualClock) -> None:
    handler, _ = _server(bodies()["UNKNOWN"])
    blast = BlastClient(mock_client(handler), BlastTiming(min_first_wait=0, poll_interval=0), sleep=clock.sleep)
    with pytest.raises(BlastError, match="unknown"):
        await blast.search(SEQ)
    handler, _ = _server(bodies()["WAITING"])
    blast = BlastClient(mock_client(handler), BlastTiming(min_first_wait=0, poll_interval=0, max_polls=3),
                        sleep=clock.sleep)
    with pytest.raises(BlastError, match="not ready after 3 polls"):
        await blast.search(SEQ)


def test_parse_put_forms() -> None:
    assert parse_put(bodies()["put"])[0] == bodies()["put"].strip()
    page = "<!--QBlastInfoBegin\n    RID = 5491WB9H013\n    RTOE = 27\nQBlastInfoEnd-->"
    assert parse_put(page) == ("5491WB9H013", 27.0)
    with pytest.raises(BlastError):
        parse_put("<html>Error: bad query</html>")


def test_truncated_report_keeps_table_hits(shared_data: Path) -> None:
    path = shared_data / "genegpt_geneturing" / "api_response_cache.jsonl.gz"
    with gzip.open(path, "rt") as f:
        gets = [json.loads(x)["response"] for x in f if '"blast.Get"' in x]
    cut = next(b for b in gets if "Sequences producing" in b and len(b) == 10000)
    hits = parse_report(cut)
    assert hits and all(h.accession and h.title for h in hits)


async def test_replayed_blast_places_sequence_on_chromosome_15(toolbox: EutilsToolbox) -> None:
    call = await toolbox.call("blast_sequence", {"sequence": SEQ})
    assert call.ok and len(call.requests) == 2
    hits = call.result["items"]
    assert hits[0]["accession"] == "CP034493.1" and "chromosome 15" in hits[0]["title"]
    assert toolbox.passages(call)[0].doc_id == "blast:CP034493.1"
