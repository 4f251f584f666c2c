"""Retries, rate limiting and error bodies, driven through httpx.MockTransport with a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from biomedqa.errors import NCBIError, NCBIResponseError
from biomedqa.testing import ManualClock
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.ratelimit import RateLimiter

Make = Callable[..., EutilsClient]
OK_JSON = '{"header":{"type":"esearch"},"esearchresult":{"count":"1","idlist":["5699"]}}'


Handler = Callable[[httpx.Request], httpx.Response]


def _seq(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        r = responses[min(len(seen), len(responses)) - 1]
        if isinstance(r, Exception):
            raise r
        return r

    return handler, seen


async def test_429_retry_after_is_honoured(mock_client: Make, clock: ManualClock) -> None:
    handler, seen = _seq(httpx.Response(429, headers={"Retry-After": "4"}, text='{"error":"API rate limit exceeded"}'),
                         httpx.Response(200, text=OK_JSON))
    res = await mock_client(handler).esearch("gene", "PSMB10")
    assert res["idlist"] == ["5699"] and len(seen) == 2
    assert 4.0 in clock.sleeps  # under ncbi.retry_after_cap (5 s), so obeyed as sent


async def test_5xx_and_transport_errors_back_off_then_succeed(mock_client: Make, clock: ManualClock) -> None:
    handler, seen = _seq(httpx.Response(502, text="Bad Gateway"), httpx.ConnectError("reset"),
                         httpx.Response(200, text=OK_JSON))
    await mock_client(handler).esearch("gene", "PSMB10")
    backoffs = [s for s in clock.sleeps if s > 0.34]
    assert len(seen) == 3 and len(backoffs) >= 2 and backoffs[1] >= backoffs[0] * 0.5


async def test_retries_exhausted_raise_ncbi_error(mock_client: Make) -> None:
    handler, seen = _seq(httpx.ConnectError("down"))
    with pytest.raises(NCBIError, match="could not reach NCBI"):
        await mock_client(handler, max_retries=2).esearch("gene", "x")
    assert len(seen) == 3
    handler, seen = _seq(httpx.Response(503, text="Service unavailable"))
    with pytest.raises(NCBIError) as e:
        await mock_client(handler, max_retries=1).esearch("gene", "x")
    assert e.value.status == 503 and len(seen) == 2


async def test_other_4xx_raise_without_retry(mock_client: Make) -> None:
    handler, seen = _seq(httpx.Response(400, text='{"error":"Invalid db name"}'))
    with pytest.raises(NCBIError) as e:
        await mock_client(handler).esearch("nodb", "x")
    assert e.value.status == 400 and len(seen) == 1


async def test_etiquette_on_every_request_and_post_for_long_lists(mock_client: Make) -> None:
    handler, seen = _seq(httpx.Response(200, text='{"result":{"uids":[]}}'))
    client = mock_client(handler, api_key="K123")
    await client.esummary("gene", ["1"])
    await client.esummary("gene", [str(i) for i in range(100000, 100400)])
    first, second = seen
    assert first.method == "GET" and first.url.params["tool"] == "biomedqa" and first.url.params["api_key"] == "K123"
    assert first.url.params["email"]
    assert second.method == "POST" and b"api_key=K123" in second.content and b"tool=biomedqa" in second.content


@pytest.mark.parametrize("body,kind", [
    ("<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>", "html"),
    ('{"header":{"type":"esearch"},"esearchresult":{"count":"0","idlist":["1", ', "truncated"),
    ('{"header":{"type":"esearch"},"esearchresult":{"ERROR":"Invalid query syntax"}}', "error"),
    ("", "empty"),
])
async def test_error_bodies_become_typed_errors(mock_client: Make, body: str, kind: str) -> None:
    handler, _ = _seq(httpx.Response(200, text=body))
    with pytest.raises(NCBIResponseError) as e:
        await mock_client(handler).esearch("gene", "x")
    assert e.value.kind == kind


async def test_invalid_uid_is_an_empty_result(mock_client: Make) -> None:
    body = (
        '{"header":{"type":"esummary","version":"0.3"},'
        '"error":"Invalid uid ENSG00000215251 at position= 0","result":{"uids":[]}}\n'
    )
    handler, _ = _seq(httpx.Response(200, text=body))  # a real recorded NCBI body
    assert await mock_client(handler).esummary("gene", ["ENSG00000215251"]) == {}


async def test_rate_limit_spaces_concurrent_calls(mock_client: Make, clock: ManualClock) -> None:
    handler, seen = _seq(httpx.Response(200, text=OK_JSON))
    client = mock_client(handler)
    start = clock.now
    await asyncio.gather(*(client.esearch("gene", f"g{i}") for i in range(7)))
    assert len(seen) == 7 and clock.now - start == pytest.approx(6 / 3)  # 3 requests/s without a key

    keyed = RateLimiter.for_ncbi(True, clock=clock, sleep=clock.sleep)
    start = clock.now
    await asyncio.gather(*(keyed.acquire() for _ in range(11)))
    assert clock.now - start == pytest.approx(1.0)  # 10/s with a key


async def test_429_pauses_every_caller(clock: ManualClock) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    await limiter.pause(5.0)
    before = clock.now
    await limiter.acquire()
    assert clock.now - before == pytest.approx(5.0)


async def test_history_server_batches(mock_client: Make, shared_data: Path) -> None:
    search = '{"esearchresult":{"count":"5","retmax":"0","idlist":[],"webenv":"MCID_1","querykey":"1"}}'
    pubmed = (shared_data / "eutils_fixtures/biopython_Tests_Entrez/pubmed1.xml").read_text()
    handler, seen = _seq(httpx.Response(200, text=search), httpx.Response(200, text=pubmed))
    parts = await mock_client(handler).fetch_all("pubmed", "asthma", batch=2)
    assert len(parts) == 3 and seen[0].url.params["usehistory"] == "y"
    assert [r.url.params["retstart"] for r in seen[1:]] == ["0", "2", "4"]
    assert all(r.url.params["WebEnv"] == "MCID_1" and r.url.params["query_key"] == "1" for r in seen[1:])
