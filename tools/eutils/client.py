"""Async E-utilities client: injected httpx client, shared rate limiter, tenacity retries, hard bounds.

Every request carries ``tool``, ``email`` and (when set) ``api_key``. Transport errors, 429 and
5xx are retried with exponential backoff and jitter (Retry-After honoured up to
``ncbi.retry_after_cap``); other 4xx raise :class:`NCBIError` at once. Long id lists are sent by POST.

Bounds (``NCBISettings``): one request, with its retries, waits and body, ends within
``deadline`` seconds (a server trickling a byte a second included, since httpx's timeout is per
read); a retry whose wait would pass the deadline is not made; bodies are read as a stream and
refused past ``max_body_mb`` after decompression. Every failure is an :class:`NCBIError`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from biomedqa.errors import NCBIError, NCBIResponseError
from biomedqa.settings import NCBISettings
from biomedqa.tools.eutils.body import ACCEPT_ENCODING, decoded_response, read_capped, retry_after
from biomedqa.tools.eutils.keys import canonical_key
from biomedqa.tools.eutils.parse import (
    elink_links,
    esearch_result,
    esummary_docs,
    esummary_xml_docs,
    parse_json,
    parse_xml,
)
from biomedqa.tools.eutils.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
POST_OVER_CHARS = 1800
ERROR_BODY_CAP = 64_000
PAUSE_AFTER_SLOW_FAILURE = 30.0
Sleep = Callable[[float], Awaitable[None]]


def _retryable(e: BaseException) -> bool:
    if isinstance(e, httpx.TransportError):
        return True
    return isinstance(e, NCBIError) and e.status is not None and (e.status == 429 or e.status >= 500)


class EutilsClient:
    """Low-level E-utilities calls returning parsed bodies.

    Args:
        http: the injected ``httpx.AsyncClient`` (its transport may replay recordings).
        settings: NCBI settings (URLs, etiquette, retries, deadline, body cap).
        limiter: shared rate limiter; defaults to 3/s, or 10/s with an API key.
        sleep: coroutine used for retry backoff (a fake clock's in tests).
    """

    def __init__(self, http: httpx.AsyncClient, settings: NCBISettings, *, limiter: RateLimiter | None = None,
                 sleep: Sleep | None = None, backoff: float = 0.5) -> None:
        self.http = http
        self.settings = settings
        self.limiter = limiter or RateLimiter.for_ncbi(settings.api_key is not None)
        self.sleep = sleep
        self.backoff = backoff
        self.requests: list[str] = []
        self._paused_until = 0.0

    def etiquette(self) -> dict[str, str]:
        out = {"tool": self.settings.tool, "email": self.settings.email}
        if self.settings.api_key is not None:
            out["api_key"] = self.settings.api_key.get_secret_value()
        return out

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, NCBIError) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_after_cap)
        return float(wait_exponential_jitter(multiplier=self.backoff, max=self.settings.retry_after_cap)(state))

    async def request(self, url: str, params: dict[str, Any], *, post: bool = False) -> httpx.Response:
        """One HTTP call with rate limiting and retries, within ``settings.deadline``; a read 2xx response.

        A request that fails only after half its deadline or more (a stalled or throttling server)
        makes the next ones fail fast for :data:`PAUSE_AFTER_SLOW_FAILURE` seconds.

        Raises:
            NCBIError: on a non-retryable status, an unusable response, when retries are exhausted,
                the deadline passes, or calls are paused.
        """
        service = url.rstrip("/").rsplit("/", 1)[-1]
        left = self._paused_until - time.monotonic()
        if left > 0:
            raise NCBIError(f"NCBI calls are paused for {left:.0f} s more: a recent request failed only after "
                            "most of its deadline.", hint="Retry later, or use --replay PATH to work offline.")
        t0 = time.monotonic()
        try:
            return await self._request(url, params, post, service)
        except NCBIError:
            if time.monotonic() - t0 >= self.settings.deadline / 2:
                self._paused_until = time.monotonic() + PAUSE_AFTER_SLOW_FAILURE
            raise

    async def _request(self, url: str, params: dict[str, Any], post: bool, service: str) -> httpx.Response:
        clean = {k: str(v) for k, v in params.items() if v is not None}
        post = post or sum(len(v) for v in clean.values()) > POST_OVER_CHARS
        deadline = self.settings.deadline
        kw: dict[str, Any] = {"stop": stop_after_attempt(self.settings.max_retries + 1) | stop_before_delay(deadline),
                              "wait": self._wait, "retry": retry_if_exception(_retryable), "reraise": True}
        if self.sleep is not None:
            kw["sleep"] = self.sleep
        try:
            async with asyncio.timeout(deadline):
                async for attempt in AsyncRetrying(**kw):
                    with attempt:
                        return await self._once(url, clean | self.etiquette(), post)
        except TimeoutError as e:
            raise NCBIError(f"NCBI did not answer {service} within {deadline:g} s (deadline, retries included).",
                            hint="Retry later, or use --replay PATH to work offline.") from e
        except httpx.TransportError as e:
            raise NCBIError(f"could not reach NCBI ({type(e).__name__}: {e}).",
                            hint="Check the network, or use --replay PATH to work offline.") from e
        except httpx.HTTPError as e:  # redirect loops, undecodable bodies, bad URLs
            raise NCBIError(f"unusable response from NCBI for {service} ({type(e).__name__}: {str(e)[:120]}).",
                            hint="Retry later.") from e
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, url: str, params: dict[str, str], post: bool) -> httpx.Response:
        await self.limiter.acquire()
        kw: dict[str, Any] = {"data": params} if post else {"params": params}
        headers = {"accept-encoding": ACCEPT_ENCODING}
        cap = int(self.settings.max_body_mb * 1e6)
        async with self.http.stream("POST" if post else "GET", url, headers=headers, timeout=self.settings.timeout,
                                    **kw) as response:
            sent = response.request
            self.requests.append(canonical_key(str(sent.url), sent.content if sent.method == "POST" else None))
            status = response.status_code
            body = await (read_capped(response, cap) if status < 400 else
                          read_capped(response, ERROR_BODY_CAP, truncate=True))
        if status < 400:
            return decoded_response(response, body)
        wait = retry_after(response, self.settings.retry_after_cap)
        if status == 429 and wait:
            await self.limiter.pause(wait)
        snippet = body[:160].decode("utf-8", "replace").replace("\n", " ")
        raise NCBIError(f"NCBI answered HTTP {status} for {url.rsplit('/', 1)[-1]}: {snippet}",
                        status=status, retry_after=wait,
                        hint="Check the parameters." if status < 500 and status != 429 else "Retry later.")

    # -- E-utilities --------------------------------------------------------------------
    def _url(self, service: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{service}.fcgi"

    async def call(self, service: str, params: dict[str, Any], *, post: bool = False) -> bytes:
        """Raw body of one E-utility (``esearch``, ``efetch``, ...)."""
        return (await self.request(self._url(service), params, post=post)).content

    async def json(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        """A JSON-mode (``retmode=json``) E-utility, parsed (truncated esummaries salvaged)."""
        return parse_json(await self.call(service, {**params, "retmode": "json"}))

    async def xml(self, service: str, params: dict[str, Any]) -> Any:
        """An XML E-utility parsed by Bio.Entrez."""
        return parse_xml(await self.call(service, params))

    async def esearch(self, db: str, term: str, *, retmax: int = 20, sort: str | None = "relevance",
                      usehistory: bool = False, **extra: Any) -> dict[str, Any]:
        """``esearchresult`` dict: ``count``, ``idlist`` and, with ``usehistory``, ``webenv``/``querykey``."""
        params = {"db": db, "term": term, "retmax": retmax, "sort": sort, **extra}
        if usehistory:
            params["usehistory"] = "y"
        return esearch_result(await self.json("esearch", params))

    async def esummary(self, db: str, ids: Sequence[str] = (), *, webenv: str | None = None,
                       query_key: str | None = None, retmax: int | None = None) -> dict[str, dict[str, Any]]:
        """Summaries by uid (JSON mode), from ids or a history-server result set."""
        params: dict[str, Any] = {"db": db, "retmax": retmax}
        if ids:
            params["id"] = ",".join(ids)
        else:
            params.update(WebEnv=webenv, query_key=query_key)
        return esummary_docs(await self.json("esummary", params))

    async def esummary_xml(self, db: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Summaries by uid in E-utilities' default XML format (fields lower-cased as in JSON mode)."""
        return esummary_xml_docs(await self.xml("esummary", {"db": db, "id": ",".join(ids)}))

    async def efetch(self, db: str, ids: Sequence[str] = (), *, rettype: str | None = None,
                     retmode: str | None = None, webenv: str | None = None, query_key: str | None = None,
                     retstart: int | None = None, retmax: int | None = None) -> bytes:
        """Raw efetch body (XML, text or JSON as asked)."""
        params: dict[str, Any] = {"db": db, "rettype": rettype, "retmode": retmode,
                                  "retstart": retstart, "retmax": retmax}
        if ids:
            params["id"] = ",".join(ids)
        else:
            params.update(WebEnv=webenv, query_key=query_key)
        return await self.call("efetch", params, post=len(ids) > 200)

    async def elink(self, dbfrom: str, db: str, ids: Sequence[str], *, linkname: str | None = None,
                    cmd: str | None = None) -> dict[str, list[str]]:
        """Linked ids by link name, e.g. ``{"gene_omim": ["176847"]}``."""
        data = await self.json("elink", {"dbfrom": dbfrom, "db": db, "id": ",".join(ids),
                                         "linkname": linkname, "cmd": cmd})
        return elink_links(data, db)

    async def einfo(self, db: str | None = None) -> dict[str, Any]:
        """Database list, or one database's fields and links."""
        result = (await self.json("einfo", {"db": db})).get("einforesult", {})
        if not isinstance(result, dict):
            raise NCBIResponseError("unexpected einfo JSON from NCBI (einforesult is not an object).",
                                    kind="unparseable")
        return result

    async def espell(self, term: str, db: str = "pubmed") -> str:
        """NCBI's spelling suggestion (the term itself when none)."""
        rec = await self.xml("espell", {"db": db, "term": term})
        return str((rec.get("CorrectedQuery") if isinstance(rec, dict) else None) or term)

    async def epost(self, db: str, ids: Sequence[str]) -> tuple[str, str]:
        """Store ids on the history server; returns ``(WebEnv, query_key)``."""
        rec = await self.xml("epost", {"db": db, "id": ",".join(ids)})
        if not (isinstance(rec, dict) and rec.get("WebEnv") and rec.get("QueryKey")):
            raise NCBIResponseError("epost answer without WebEnv/QueryKey.", kind="unparseable", hint="Retry later.")
        return str(rec["WebEnv"]), str(rec["QueryKey"])

    async def fetch_all(self, db: str, term: str, *, batch: int = 500, limit: int = 10000,
                        rettype: str | None = None, retmode: str = "xml") -> list[bytes]:
        """Fetch a large result set through the history server, ``batch`` records per call."""
        res = await self.esearch(db, term, retmax=0, sort=None, usehistory=True)
        count = min(int(res["count"]), limit)
        webenv, key = res.get("webenv"), res.get("querykey")
        if not count or not webenv:
            return []
        return [await self.efetch(db, webenv=webenv, query_key=key, retstart=start, retmax=min(batch, count - start),
                                  rettype=rettype, retmode=retmode) for start in range(0, count, batch)]
