"""Canonical keys, replay of real recorded responses, record → replay round trip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from biomedqa.errors import ConfigError, ReplayMissError
from biomedqa.settings import NCBISettings
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.keys import canonical_key, loose_keys
from biomedqa.tools.eutils.pubmed import fetch_pubmed
from biomedqa.tools.eutils.ratelimit import RateLimiter
from biomedqa.tools.eutils.record import RecordingTransport
from biomedqa.tools.eutils.replay import ReplayStore, ReplayTransport, resolve_recording
from biomedqa.tools.eutils.toolbox import EutilsToolbox

BASE = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


def test_canonical_key_sorts_decodes_and_drops_etiquette() -> None:
    a = canonical_key(BASE + "esearch.fcgi?term=LMP10&db=gene&api_key=SECRET&email=a%40b.org&tool=x")
    b = canonical_key(BASE + "esearch.fcgi?db=gene&term=LMP10")
    assert a == b == "esearch?db=gene&term=LMP10"
    assert canonical_key(BASE + "esearch.fcgi?db=omim&term=Distal+renal%20acidosis") == \
        "esearch?db=omim&term=Distal renal acidosis"


def test_post_body_and_loose_keys() -> None:
    key = canonical_key(BASE + "efetch.fcgi", b"db=gene&id=3%2C1%2C2&retmax=5")
    assert key == "efetch?db=gene&id=3,1,2&retmax=5"
    loose = loose_keys(BASE + "efetch.fcgi", b"db=gene&id=3%2C1%2C2&retmax=5")
    assert loose == ["efetch?db=gene&id=3,1,2", "efetch?db=gene&id=1,2,3"]


async def test_replay_real_esearch_truncates_to_retmax(toolbox: EutilsToolbox) -> None:
    res = await toolbox.client.esearch("gene", "LMP10", retmax=2)  # recorded with retmax=5
    assert res["idlist"] == ["5699", "8138"]
    assert toolbox.replay is not None and toolbox.replay.stats.loose == 1


async def test_replay_miss_names_the_key(toolbox: EutilsToolbox) -> None:
    with pytest.raises(ReplayMissError) as e:
        await toolbox.client.esearch("gene", "NOT-A-RECORDED-TERM")
    assert "term=NOT-A-RECORDED-TERM" in e.value.key and "api_key" not in e.value.key
    assert toolbox.replay is not None and toolbox.replay.stats.missed == 1


async def test_replay_biocommons_pubmed_efetch(toolbox: EutilsToolbox) -> None:
    passages = await fetch_pubmed(toolbox.client, ["20412080"])
    assert [p.pmid for p in passages] == ["20412080"]
    assert passages[0].source == "eutils" and passages[0].title and passages[0].doc_id == "20412080"


def test_resolve_aliases_and_missing(shared_data: Path) -> None:
    assert resolve_recording("geneturing").name == "api_response_cache.jsonl.gz"
    with pytest.raises(ConfigError):
        resolve_recording("/nonexistent/recording.jsonl")


async def test_record_then_replay_round_trip(tmp_path: Path, shared_data: Path) -> None:
    """Record real recorded bodies served by a stand-in server, then replay the new file offline."""
    with gzip.open(shared_data / "eutils_fixtures/biocommons_eutils_interactions.jsonl.gz", "rt") as f:
        rows = [json.loads(x) for x in f]
    esearch = next(r for r in rows if "hart rk" in str(r["params"].get("term")))["response_body"]
    efetch = next(r for r in rows if r["params"].get("id") == "22351513")["response_body"]

    def server(request: httpx.Request) -> httpx.Response:
        body = esearch if "esearch" in request.url.path else efetch
        return httpx.Response(200, text=body, headers={"content-type": "text/xml"})

    out = tmp_path / "rec.jsonl.gz"
    settings = NCBISettings(api_key="SECRET-KEY")
    live = httpx.AsyncClient(transport=RecordingTransport(httpx.MockTransport(server), out))
    client = EutilsClient(live, settings, limiter=RateLimiter(None))
    await client.xml("esearch", {"db": "pubmed", "term": "hart rk[author]"})
    await fetch_pubmed(client, ["22351513"])
    await live.aclose()
    with gzip.open(out, "rt") as f:
        text = f.read()
    assert "SECRET-KEY" not in text and text.count("\n") == 2

    replay = httpx.AsyncClient(transport=ReplayTransport(ReplayStore.from_paths([out])))
    client = EutilsClient(replay, NCBISettings(), limiter=RateLimiter(None))
    rec = await client.xml("esearch", {"db": "pubmed", "term": "hart rk[author]"})
    assert rec["Count"] == "34"
    assert [p.pmid for p in await fetch_pubmed(client, ["22351513"])] == ["22351513"]
    await replay.aclose()
