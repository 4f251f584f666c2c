"""Bounded reading of NCBI responses: a body cap applied after decompression, and a capped Retry-After.

httpx decompresses a whole chunk at once, so a small gzip body can inflate to gigabytes before any
cap could look at it. Here the raw stream is read chunk by chunk and inflated with ``zlib``'s
``max_length``, so no more than ``cap + 1`` decoded bytes are ever held.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
import zlib
from typing import Protocol

import httpx

from biomedqa.errors import NCBIResponseError

logger = logging.getLogger(__name__)
ACCEPT_ENCODING = "gzip, deflate"
_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


class _Inflater(Protocol):
    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


def _inflater(encoding: str) -> _Inflater | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, detected
    raise NCBIResponseError(f"NCBI sent a body in an unsupported encoding {encoding[:40]!r}.", kind="unparseable",
                            hint="Retry later.")


def too_large(cap: int) -> NCBIResponseError:
    return NCBIResponseError(f"NCBI response larger than {cap / 1e6:.0f} MB (after decompression); refused.",
                             kind="too_large", hint="Ask for fewer records (a smaller retmax or fewer ids).")


async def read_capped(response: httpx.Response, cap: int, *, truncate: bool = False) -> bytes:
    """The decoded body of a streamed response, refusing it once it passes ``cap`` bytes.

    With ``truncate`` (error pages, read only for a snippet), the first ``cap`` bytes are returned instead.

    Raises:
        NCBIResponseError: ``too_large`` past the cap; ``unparseable`` for a corrupt or unknown encoding.
    """
    if response.is_stream_consumed:  # built in memory (replay, tests): nothing left to inflate
        body = response.content
        if len(body) > cap and not truncate:
            raise too_large(cap)
        return body[:cap]
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    if len(encodings) > 1:
        raise NCBIResponseError("NCBI sent a body with stacked encodings; refused.", kind="unparseable")
    inflater = _inflater(encodings[0] if encodings else "")
    out = bytearray()
    try:
        async for raw in response.aiter_raw():
            if inflater is None:
                out += raw
            else:
                out += inflater.decompress(raw, cap + 1 - len(out))  # never 0 (unlimited): len(out) <= cap here
            if len(out) > cap:
                if truncate:
                    return bytes(out[:cap])
                raise too_large(cap)
    except zlib.error as e:
        raise NCBIResponseError(f"corrupt compressed body from NCBI ({e}).", kind="truncated",
                                hint="Retry the request.") from e
    if inflater is not None and not inflater.eof:
        raise NCBIResponseError("compressed body from NCBI cut short.", kind="truncated", hint="Retry the request.")
    return bytes(out)


def decoded_response(response: httpx.Response, body: bytes, request: httpx.Request | None = None) -> httpx.Response:
    """A plain (already read, uncompressed) response with ``body``, for callers that read ``.text``."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
    return httpx.Response(response.status_code, headers=headers, content=body,
                          request=request if request is not None else response.request)


def retry_after(response: httpx.Response, cap: float, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for, clamped to ``[0, cap]``; None when absent or unreadable.

    Accepts delta-seconds (also ``inf``, huge or negative values) and HTTP-dates.
    """
    value = (response.headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), cap)
