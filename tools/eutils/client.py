"""Async E-utilities client: injected httpx client, shared rate limiter, tenacity retries.

Every request carries ``tool``, ``email`` and (when set) ``api_key``. Transport errors, 429 and
5xx are retried with exponential backoff and jitter (Retry-After honoured); other 4xx raise
:class:`NCBIError` at once. Long id lists are sent by POST.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from biomedqa.errors import NCBIError
from biomedqa.settings import NCBISettings
from biomedqa.tools.eutils.keys import canonical_key
from biomedqa.tools.eutils.parse import parse_json, parse_xml
from biomedqa.tools.eutils.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
POST_OVER_CHARS = 1800
Sleep = Callable[[float], Awaitable[None]]


def _retryable(e: BaseException) -> bool:
    if isinstance(e, httpx.TransportError):
        return True
    return isinstance(e, NCBIError) and e.status is not None and (e.status == 429 or e.status >= 500)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class EutilsClient:
    """Low-level E-utilities calls returning parsed bodies.

    Args:
        http: the injected ``httpx.AsyncClient`` (its transport may replay recordings).
        settings: NCBI settings (URLs, etiquette, retries).
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

    def etiquette(self) -> dict[str, str]:
        out = {"tool": self.settings.tool, "email": self.settings.email}
        if self.settings.api_key is not None:
            out["api_key"] = self.settings.api_key.get_secret_value()
        return out

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, NCBIError) and exc.retry_after is not None:
            return exc.retry_after
        return float(wait_exponential_jitter(multiplier=self.backoff, max=30.0)(state))

    async def request(self, url: str, params: dict[str, Any], *, post: bool = False) -> httpx.Response:
        """One HTTP call with rate limiting and retries; returns a 2xx response.

        Raises:
            NCBIError: on a non-retryable status, or when retries are exhausted.
        """
        clean = {k: str(v) for k, v in params.items() if v is not None}
        post = post or sum(len(v) for v in clean.values()) > POST_OVER_CHARS
        kw: dict[str, Any] = {"stop": stop_after_attempt(self.settings.max_retries + 1),
                              "wait": self._wait, "retry": retry_if_exception(_retryable), "reraise": True}
        if self.sleep is not None:
            kw["sleep"] = self.sleep
        try:
            async for attempt in AsyncRetrying(**kw):
                with attempt:
                    return await self._once(url, clean | self.etiquette(), post)
        except httpx.TransportError as e:
            raise NCBIError(f"could not reach NCBI ({type(e).__name__}: {e}).",
                            hint="Check the network, or use --replay PATH to work offline.") from e
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, url: str, params: dict[str, str], post: bool) -> httpx.Response:
        await self.limiter.acquire()
        if post:
            response = await self.http.post(url, data=params, timeout=self.settings.timeout)
        else:
            response = await self.http.get(url, params=params, timeout=self.settings.timeout)
        sent = response.request
        self.requests.append(canonical_key(str(sent.url), sent.content if sent.method == "POST" else None))
        status = response.status_code
        if status < 400:
            return response
        retry_after = _retry_after(response)
        if status == 429 and retry_after:
            await self.limiter.pause(retry_after)
        snippet = response.text[:160].replace("\n", " ")
        raise NCBIError(f"NCBI answered HTTP {status} for {url.rsplit('/', 1)[-1]}: {snippet}",
                        status=status, retry_after=retry_after,
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
        data = await self.json("esearch", params)
        res = data.get("esearchresult") or {}
        res.setdefault("idlist", [])
        return dict(res)

    async def esummary(self, db: str, ids: Sequence[str] = (), *, webenv: str | None = None,
                       query_key: str | None = None, retmax: int | None = None) -> dict[str, dict[str, Any]]:
        """Summaries by uid (JSON mode), from ids or a history-server result set."""
        params: dict[str, Any] = {"db": db, "retmax": retmax}
        if ids:
            params["id"] = ",".join(ids)
        else:
            params.update(WebEnv=webenv, query_key=query_key)
        res = (await self.json("esummary", params)).get("result") or {}
        return {u: res[u] for u in res.get("uids", []) if isinstance(res.get(u), dict)}

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
        out: dict[str, list[str]] = {}
        for ls in data.get("linksets", []):
            for ldb in ls.get("linksetdbs", []):
                out.setdefault(ldb.get("linkname", db), []).extend(str(x) for x in ldb.get("links", []))
        return out

    async def einfo(self, db: str | None = None) -> dict[str, Any]:
        """Database list, or one database's fields and links."""
        result: dict[str, Any] = (await self.json("einfo", {"db": db})).get("einforesult", {})
        return result

    async def espell(self, term: str, db: str = "pubmed") -> str:
        """NCBI's spelling suggestion (the term itself when none)."""
        rec = await self.xml("espell", {"db": db, "term": term})
        return str(rec.get("CorrectedQuery") or term)

    async def epost(self, db: str, ids: Sequence[str]) -> tuple[str, str]:
        """Store ids on the history server; returns ``(WebEnv, query_key)``."""
        rec = await self.xml("epost", {"db": db, "id": ",".join(ids)})
        return str(rec["WebEnv"]), str(rec["QueryKey"])

    async def fetch_all(self, db: str, term: str, *, batch: int = 500, limit: int = 10000,
                        rettype: str | None = None, retmode: str = "xml") -> list[bytes]:
        """Fetch a large result set through the history server, ``batch`` records per call."""
        res = await self.esearch(db, term, retmax=0, sort=None, usehistory=True)
        count = min(int(res.get("count", 0)), limit)
        webenv, key = res.get("webenv"), res.get("querykey")
        if not count or not webenv:
            return []
        return [await self.efetch(db, webenv=webenv, query_key=key, retstart=start, retmax=min(batch, count - start),
                                  rettype=rettype, retmode=retmode) for start in range(0, count, batch)]
