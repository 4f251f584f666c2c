"""Hostile NCBI servers: every case runs a real tool through ``EutilsToolbox.call`` and times it.

A case's server answers with real recorded responses (GeneGPT's cache, Biopython's fixtures) except
where it turns hostile: throttling with absurd ``Retry-After`` values, stalling, trickling a byte a
second, redirect loops, a gzip bomb, malformed or deeply nested bodies, DTDs it wants fetched.
The toolbox is built as in live mode (real sleeps, the 3/s limiter, default deadlines) over an
``httpx.MockTransport``; only BLAST polls without waiting, as in replay mode. A case is ``refused``
when the call fails with a one-line error, ``harmless`` when it succeeds with sane records, and a
``crash`` when anything escapes or the call passes its bound (``ncbi.call_deadline`` + 1 s).
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

from biomedqa.errors import ReplayMissError
from biomedqa.eval.security.common import CaseResult, Outcome, timed
from biomedqa.settings import NCBISettings, get_settings
from biomedqa.shared_data import shared_path
from biomedqa.tools.eutils.blast import BlastClient, BlastTiming
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.ratelimit import RateLimiter
from biomedqa.tools.eutils.replay import ReplayStore, ReplayTransport
from biomedqa.tools.eutils.toolbox import EutilsToolbox
from biomedqa.types import ToolCall

logger = logging.getLogger(__name__)
AREA = "eutils"
Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]
Hostile = Callable[[httpx.Request], Awaitable[httpx.Response | None]]
GENE = ("gene_search", {"term": "LMP10"})
PUBMED = ("pubmed_fetch", {"pmids": ["19304878", "30108519"]})
FIXTURES = ("eutils_fixtures", "biopython_Tests_Entrez")


@lru_cache(maxsize=1)
def _replay() -> ReplayTransport:
    paths = [shared_path("genegpt_geneturing", "api_response_cache.jsonl.gz"),
             shared_path("eutils_fixtures", "biocommons_eutils_interactions.jsonl.gz")]
    return ReplayTransport(ReplayStore.from_paths(list(paths)))


def fixture(name: str) -> bytes:
    """A real recorded body from Biopython's Entrez test data."""
    return Path(shared_path(*FIXTURES, name)).read_bytes()


def server(hostile: Hostile) -> Handler:
    """A server answering ``hostile(request)`` where it returns a response, real recordings elsewhere."""

    async def handle(request: httpx.Request) -> httpx.Response:
        got = await hostile(request)
        if got is not None:
            return got
        replay = _replay()  # without the shared data this raises SharedDataMissingError: never a 404 per request
        try:
            return await replay.handle_async_request(request)
        except ReplayMissError:  # an unrecorded request is a 404 from this server
            return httpx.Response(404, text="not recorded")

    return handle


def hostile_toolbox(handler: Handler, **ncbi: Any) -> EutilsToolbox:
    """The toolbox over ``handler``, built as ``build_eutils`` builds it in live mode (real waits)."""
    settings = NCBISettings(**ncbi)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=settings.timeout, follow_redirects=True)
    client = EutilsClient(http, settings, limiter=RateLimiter.for_ncbi(False))
    timing = BlastTiming(min_first_wait=0, poll_interval=0, max_polls=2, max_first_wait=0)
    return EutilsToolbox(client, BlastClient(client, timing, sleep=_no_wait))


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0)


def on(service: str, make: Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]) -> Hostile:
    """Hostile only for requests to ``service`` (``esearch``, ``esummary``, ``efetch``, ``Blast``)."""

    async def hostile(request: httpx.Request) -> httpx.Response | None:
        if service not in request.url.path:
            return None
        got = make(request)
        return await got if isinstance(got, Awaitable) else got

    return hostile


async def _trickle() -> AsyncIterator[bytes]:
    yield b'{"esearchresult":{"idlist":["'
    while True:
        await asyncio.sleep(1.0)
        yield b"5"


async def _stall(_: httpx.Request) -> httpx.Response:
    await asyncio.sleep(3600)
    return httpx.Response(200)


@lru_cache(maxsize=1)
def gzip_bomb(mb: int = 1024) -> bytes:
    """``mb`` MB of zeros, gzip-compressed (about 1 MB per GB), built in 1 MB steps."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * 1_000_000
    return b"".join([*(comp.compress(zeros) for _ in range(mb)), comp.flush()])


def _recorded_esummary() -> str:
    req = httpx.Request("GET", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi",
                        params={"db": "gene", "retmax": "5", "retmode": "json", "id": "5699,8138,19171"})
    found = _replay().store.lookup(str(req.url))
    return found[0].body if found else '{"result":{"uids":[]}}'


def _reshaped_esummary() -> str:
    """The real esummary for LMP10's genes with ``organism`` and ``genomicinfo`` turned into strings."""
    body = _recorded_esummary()
    return body.replace('"organism":{', '"organism":"x","_o":{').replace('"genomicinfo":[', '"genomicinfo":"x","_g":[')


def _dtd_swapped(body: bytes, dtd: bytes) -> bytes:
    start, end = body.index(b"<!DOCTYPE"), body.index(b">", body.index(b"<!DOCTYPE")) + 1
    return body[:start] + dtd + body[end:]


def _xml(text: bytes | str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/xml"}, content=text)


def _json(text: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/json"}, text=text)


_UNBUNDLED = b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD X//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/x_2099.dtd">'
_EXTERNAL_ENTITY = (b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b"<PubmedArticleSet>&e;</PubmedArticleSet>")
_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' +
           b"".join(b'<!ENTITY %c "%s">' % (ord("b") + i, (b"&%c;" % (ord("a") + i)) * 10) for i in range(9)) +
           b"]><l>&j;</l>")


@dataclass(frozen=True)
class Case:
    """One hostile server and the tool call that meets it."""

    name: str
    hostile: Hostile
    tool: tuple[str, dict[str, Any]] = GENE


CASES: list[Case] = [
    Case("429 Retry-After: inf", on("esearch", lambda r: httpx.Response(429, headers={"Retry-After": "inf"}))),
    Case("429 Retry-After: 99999", on("esearch", lambda r: httpx.Response(429, headers={"Retry-After": "99999"}))),
    Case("503 Retry-After: 3600", on("esearch", lambda r: httpx.Response(503, headers={"Retry-After": "3600"}))),
    Case("429 Retry-After: -5", on("esearch", lambda r: httpx.Response(429, headers={"Retry-After": "-5"}))),
    Case("429 Retry-After: HTTP-date in 9999",
         on("esearch", lambda r: httpx.Response(429, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}))),
    Case("429 Retry-After: nan", on("esearch", lambda r: httpx.Response(429, headers={"Retry-After": "nan"}))),
    Case("headers never come", on("esearch", _stall)),
    Case("body trickles 1 byte/s", on("esearch", lambda r: httpx.Response(200, content=_trickle()))),
    Case("esummary stalls after a real esearch", on("esummary", _stall)),
    Case("redirect loop", on("esearch", lambda r: httpx.Response(302, headers={"location": str(r.url)}))),
    Case("gzip bomb (1 MB -> 1 GB)", on("esearch", lambda r: httpx.Response(
        200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(gzip_bomb())))),
    Case("corrupt gzip", on("esearch", lambda r: httpx.Response(
        200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(gzip.compress(b"{}" * 999)[:-30] + b"x")))),
    Case('{"esearchresult": "x"}', on("esearch", lambda r: _json('{"esearchresult": "x"}'))),
    Case('{"result": [1, 2]}', on("esummary", lambda r: _json('{"result": [1, 2]}'))),
    Case("idlist of objects", on("esearch", lambda r: _json('{"esearchresult":{"idlist":[{"id":1}]}}'))),
    Case("100k nested JSON arrays", on("esearch", lambda r: _json("[" * 100_000 + "]" * 100_000))),
    Case("JSON null / list body", on("esearch", lambda r: _json("null"))),
    Case("real esummary reshaped (organism, genomicinfo as strings)",
         on("esummary", lambda r: _json(_reshaped_esummary()))),
    Case("real esummary cut in half", on("esummary", lambda r: _json(_recorded_esummary()[:3000]))),
    Case("real HTML page (pubmed3.html)",
         on("esearch", lambda r: httpx.Response(200, content=fixture("pubmed3.html")))),
    Case("binary garbage", on("esearch", lambda r: httpx.Response(200, content=bytes(range(256)) * 64))),
    Case("50k nested XML elements", on("efetch", lambda r: _xml(
        b'<?xml version="1.0"?>\n<PubmedArticleSet>' + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</PubmedArticleSet>")),
        PUBMED),
    Case("real PubMed XML naming an unbundled DTD", on("efetch", lambda r: _xml(
        _dtd_swapped(fixture("pubmed1.xml"), _UNBUNDLED))), PUBMED),
    Case("external entity file:///etc/passwd", on("efetch", lambda r: _xml(_EXTERNAL_ENTITY)), PUBMED),
    Case("billion laughs", on("efetch", lambda r: _xml(_LAUGHS)), PUBMED),
    Case("real truncated XML (einfo4.xml) as efetch", on("efetch", lambda r: _xml(fixture("einfo4.xml"))), PUBMED),
    Case("BLAST report with unreadable numbers", on("Blast", lambda r: httpx.Response(200, text=(
        "RID = ABCD1234\nRTOE = 999999\n" if "Put" in str(r.url) else
        "<BlastOutput><Hit><Hit_accession>X</Hit_accession><Hsp_hit-from>one</Hsp_hit-from></Hit></BlastOutput>")
    )), ("blast_sequence", {"sequence": "ACGTACGTACGTACGTACGT"})),
]


def _outcome(call: ToolCall, bound: float) -> Outcome | tuple[Outcome, str]:
    if call.seconds > bound:
        return "crash", f"took {call.seconds:.1f} s, over the {bound:g} s bound"
    if not call.ok:
        return "refused", (call.error or "")[:160]
    return "harmless", f"ok with {len((call.result or {}).get('items', []))} records"


async def run_case(case: Case, **ncbi: Any) -> tuple[ToolCall, float]:
    """The tool call of ``case`` against its server; returns the call and its bound."""
    toolbox = hostile_toolbox(server(case.hostile), **ncbi)
    try:
        call = await toolbox.call(*case.tool)
    finally:
        await toolbox.aclose()
    return call, toolbox.client.settings.call_deadline + 1.0


def run() -> list[CaseResult]:
    """Every case once with the default NCBI settings (deadline 12 s, tool budget 14 s)."""
    defaults = get_settings().ncbi
    logger.info("eutils hostile suite: deadline %.0f s, tool budget %.0f s", defaults.deadline, defaults.call_deadline)
    gzip_bomb()  # built once, outside the timed cases
    out = []
    for case in CASES:
        def one(case: Case = case) -> Outcome | tuple[Outcome, str]:
            call, bound = asyncio.run(run_case(case))
            return _outcome(call, bound)
        out.append(timed(AREA, case.name, one))
    return out
