"""Canonical request keys for matching NCBI requests against recordings.

A key is ``service?k=v&k=v`` with URL-decoded parameters sorted by name, and without the
etiquette parameters (``api_key``, ``email``, ``tool``) that differ between users. Looser keys
drop parameters that do not change the answer's content (``retmax``) or order id lists, so a
recording made with slightly different paging still serves a request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

IGNORED = frozenset({"api_key", "email", "tool"})
LOOSE_DROP = frozenset({"retmax", "usehistory"})
ID_PARAMS = frozenset({"id"})
BLAST_PUT_KEEP = ("CMD", "PROGRAM", "DATABASE", "QUERY")
BLAST_GET_KEEP = ("CMD", "RID")


def service_of(url: str) -> str:
    """Service name of an NCBI URL: ``esearch``, ``blast``, or ``web:/gene/123`` for web pages."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last.endswith(".fcgi"):
        return last[: -len(".fcgi")]
    if last.lower() == "blast.cgi":
        return "blast"
    return f"web:{path}"


def params_of(url: str, body: str | bytes | None = None) -> list[tuple[str, str]]:
    """Decoded query parameters of a URL plus those of a form-encoded POST body."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        pairs += parse_qsl(text, keep_blank_values=True)
    return pairs


def _join(service: str, pairs: Iterable[tuple[str, str]]) -> str:
    items = sorted((k, v) for k, v in pairs if k not in IGNORED)
    return service + "?" + "&".join(f"{k}={v}" for k, v in items)


def canonical_key(url: str, body: str | bytes | None = None) -> str:
    """Exact canonical key: service + sorted decoded params, minus api_key/email/tool."""
    return _join(service_of(url), params_of(url, body))


def _sorted_ids(value: str) -> str:
    return ",".join(sorted(v.strip() for v in value.split(",") if v.strip()))


def loose_keys(url: str, body: str | bytes | None = None) -> list[str]:
    """Fallback keys, most specific first (the exact key is not included)."""
    service = service_of(url)
    pairs = [(k, v) for k, v in params_of(url, body) if k not in IGNORED]
    if service == "blast":
        return [_blast_key(pairs)]
    keys: list[str] = []
    no_retmax = [(k, v) for k, v in pairs if k not in LOOSE_DROP]
    keys.append(_join(service, no_retmax))
    if any(k in ID_PARAMS for k, _ in pairs):
        keys.append(_join(service, [(k, _sorted_ids(v) if k in ID_PARAMS else v) for k, v in no_retmax]))
    if any(k == "term" for k, _ in pairs):  # esearch terms are case-insensitive at NCBI
        keys.append(_join(service, [(k, " ".join(v.lower().split()) if k == "term" else v) for k, v in no_retmax]))
    return list(dict.fromkeys(k for k in keys if k != _join(service, pairs)))


def _blast_key(pairs: list[tuple[str, str]]) -> str:
    params: Mapping[str, str] = {k.upper(): v for k, v in pairs}
    keep = BLAST_PUT_KEEP if params.get("CMD", "").lower() == "put" else BLAST_GET_KEEP
    norm = [(k, params[k].upper() if k in {"QUERY", "CMD"} else params[k]) for k in keep if k in params]
    return _join("blast~", norm)


def requested_retmax(url: str, body: str | bytes | None = None) -> int | None:
    """The ``retmax`` a request asked for, if any."""
    for k, v in params_of(url, body):
        if k == "retmax" and v.isdigit():
            return int(v)
    return None
