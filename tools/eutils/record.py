"""Record live NCBI responses to JSONL(.gz) in the shape :mod:`replay` reads back."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from biomedqa.tools.eutils.body import decoded_response, read_capped
from biomedqa.tools.eutils.keys import service_of

logger = logging.getLogger(__name__)


def kind_of(url: str, form: str = "") -> str:
    """GeneGPT-style kind label: ``eutils.esearch.gene``, ``blast.Put``, ``web_page``."""
    service = service_of(url)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query + "&" + form).items()}
    if service == "blast":
        return f"blast.{params.get('CMD', '')}"
    if service.startswith("web:"):
        return "web_page"
    return f"eutils.{service}.{params.get('db', '')}"


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to ``inner`` and appends each response to ``path``.

    Gzip files are appended as new gzip members, which every gzip reader concatenates.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, path: Path, max_bytes: int = 32_000_000) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self.path = Path(path)
        self._lock = asyncio.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        form = (await request.aread()).decode("utf-8", "replace") if request.method == "POST" else ""
        response = await self.inner.handle_async_request(request)
        try:  # decoded under the same cap the client applies, so a compressed bomb never inflates here
            content = await read_capped(response, self.max_bytes)
        finally:
            await response.aclose()
        if response.status_code < 500 and response.status_code != 429:
            await self._append({
                "url": _public_url(str(request.url)), "kind": kind_of(str(request.url), form),
                "response": content.decode("utf-8", "replace"), "status": response.status_code,
                "content_type": response.headers.get("content-type", ""), "method": request.method,
                "body": _public_form(form), "n_occurrences": 1, "first_seen": "biomedqa",
            })
        return decoded_response(response, content, request)

    async def _append(self, row: dict[str, object]) -> None:
        line = json.dumps(row, ensure_ascii=False) + "\n"
        async with self._lock:
            opener = gzip.open if self.path.suffix == ".gz" else open
            with opener(self.path, "at", encoding="utf-8") as f:
                f.write(line)
        logger.debug("recorded %s", row["kind"])

    async def aclose(self) -> None:
        await self.inner.aclose()


def _strip(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k not in {"api_key", "email", "tool"}]


def _public_url(url: str) -> str:
    """The URL without api_key/email/tool, so recordings never hold secrets."""
    from urllib.parse import parse_qsl, urlencode, urlunsplit

    parts = urlsplit(url)
    query = urlencode(_strip(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _public_form(form: str) -> str:
    from urllib.parse import parse_qsl, urlencode

    return urlencode(_strip(parse_qsl(form, keep_blank_values=True))) if form else ""
