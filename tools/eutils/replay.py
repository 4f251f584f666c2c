"""Replay and record NCBI traffic through httpx transports.

Recordings are JSONL(.gz) files with one request per line. Three shapes are read:
GeneGPT's cache (``url``, ``response``), biocommons' flattened VCR cassettes (``uri``,
``params``, ``response_body``, ``status``) and our own records (the GeneGPT shape plus
``status``, ``content_type``, ``method`` and ``body``), which :class:`RecordingTransport` writes.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import httpx

from biomedqa.errors import ConfigError, ReplayMissError, SharedDataMissingError, StorageError
from biomedqa.tools.eutils.keys import canonical_key, loose_keys, requested_retmax, service_of

logger = logging.getLogger(__name__)
ALIASES = {"geneturing": ("genegpt_geneturing", "api_response_cache.jsonl.gz"),
           "fixtures": ("eutils_fixtures", "biocommons_eutils_interactions.jsonl.gz")}


@dataclass(frozen=True)
class Recorded:
    """One recorded response."""

    url: str
    body: str
    status: int = 200
    content_type: str = ""
    form: str = ""

    @property
    def rank(self) -> int:
        """Lower is better among several matches: complete, READY reports first."""
        bad = int(len(self.body) == 10000) + int("Status=WAITING" in self.body or "Status=UNKNOWN" in self.body)
        return bad + int(self.status >= 400)


@dataclass
class ReplayStats:
    """Counters of a replay transport, for cache-hit rates."""

    exact: int = 0
    loose: int = 0
    missed: int = 0
    live: int = 0
    keys: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.exact + self.loose + self.missed + self.live


def resolve_recording(path: Path | str) -> Path:
    """A recording path, or the alias ``geneturing`` / ``fixtures`` for the shared data files.

    Raises:
        SharedDataMissingError: an alias, and the shared evaluation data is not on this machine.
        ConfigError: a path that does not exist.
    """
    p = Path(path)
    if p.exists():
        return p
    if str(path) in ALIASES:
        from biomedqa.shared_data import shared_path

        folder, name = ALIASES[str(path)]
        try:
            return shared_path(folder, name)
        except SharedDataMissingError as e:
            raise SharedDataMissingError(
                f"the replay set {str(path)!r} ({folder}/{name}) is in the shared evaluation data, "
                f"which is not here (looked in {e.path}).", path=e.path,
                hint=f"Set BIOMEDQA_SHARED_DATA to the folder holding {folder}/, or replay a file made with --record.",
            ) from e
    raise ConfigError(f"replay file {p} does not exist.",
                      hint="Pass a recording made with --record, or 'geneturing' / 'fixtures' (the shared sets).")


def check_recordings(paths: Sequence[Path | str], *, offline: bool = True) -> list[Path]:
    """Resolve and load every recording of a replay set (cached), so a bad one fails before any request.

    Args:
        paths: Recording files or the aliases ``geneturing`` / ``fixtures``.
        offline: No live fallback: a file without a single recorded response is an error too.

    Raises:
        ConfigError: an alias without the shared data, a missing file, or one that is not a recording.
        StorageError: a file that exists but cannot be read.
    """
    out = []
    for p in paths:
        path = resolve_recording(p)
        if not _load_rows(str(path)) and offline:
            raise ConfigError(f"replay file {path} holds no recorded NCBI responses.",
                              hint="Replay a JSONL(.gz) file made with --record, or 'geneturing' / 'fixtures'.")
        out.append(path)
    return out


def _open(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from f


def _row(d: object) -> Recorded | None:
    if not isinstance(d, dict):
        return None
    if "uri" in d:  # biocommons flattened cassette
        params = d.get("params") or {}
        form = urlencode(sorted(params.items())) if isinstance(params, dict) else ""
        return Recorded(str(d["uri"]), str(d.get("response_body", "")), int(str(d.get("status", 200))),
                        str(d.get("content_type", "")), form)
    if "url" in d and "response" in d:
        return Recorded(str(d["url"]), str(d["response"]), int(str(d.get("status", 200))),
                        str(d.get("content_type", "")), str(d.get("body", "") or ""))
    return None


class ReplayStore:
    """Recorded responses indexed by exact and loose canonical keys."""

    def __init__(self, rows: list[Recorded]) -> None:
        self.exact: dict[str, list[Recorded]] = defaultdict(list)
        self.loose: dict[str, list[Recorded]] = defaultdict(list)
        for r in rows:
            self.add(r)
        ready = {m.group(1) for r in rows if "Status=READY" in r.body or "<BlastOutput" in r.body
                 for m in [re.search(r"RID=(\w+)", r.url)] if m}
        self._ready_rids = ready

    def add(self, r: Recorded) -> None:
        self.exact[canonical_key(r.url, r.form)].append(r)
        for k in loose_keys(r.url, r.form):
            self.loose[k].append(r)

    def __len__(self) -> int:
        return sum(len(v) for v in self.exact.values())

    def _best(self, rows: list[Recorded]) -> Recorded:
        def score(r: Recorded) -> tuple[int, int]:
            put_unready = int(service_of(r.url) == "blast" and "CMD=Put" in r.url
                              and r.body.strip() not in self._ready_rids)
            return (put_unready, r.rank)
        return min(rows, key=score)

    def lookup(self, url: str, form: str | bytes | None = None) -> tuple[Recorded, str] | None:
        """Best recording for a request and how it matched (``exact`` or ``loose``)."""
        key = canonical_key(url, form)
        if key in self.exact:
            return self._best(self.exact[key]), "exact"
        for k in [key, *loose_keys(url, form)]:
            if k in self.loose:
                return self._best(self.loose[k]), "loose"
        return None

    @classmethod
    def from_paths(cls, paths: list[Path]) -> ReplayStore:
        rows: list[Recorded] = []
        for p in paths:
            rows.extend(_load_rows(str(resolve_recording(p))))
        logger.info("replay: %d recorded responses from %d file(s)", len(rows), len(paths))
        return cls(rows)


@lru_cache(maxsize=8)
def _load_rows(path: str) -> tuple[Recorded, ...]:
    """The recorded responses of one file.

    Raises:
        ConfigError: not a recording (bad gzip, bad JSON line, a folder, no response of a known shape).
        StorageError: the file cannot be read.
    """
    out = []
    n, parsing = 0, False  # lines read; whether the error is in line n's content (not in reading the file)
    try:
        for line in _open(Path(path)):
            n, parsing = n + 1, True
            if line.strip():
                row = _row(json.loads(line))
                if row is not None:
                    out.append(row)
            parsing = False
    except (ValueError, EOFError, IsADirectoryError, gzip.BadGzipFile) as e:  # JSON and Unicode errors are ValueErrors
        where = f"line {n}" if parsing else f"after {n} lines" if n else "unreadable"
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ConfigError(f"replay file {path} is not a recording ({where}: {detail}).",
                          hint="Replay a JSONL(.gz) file made with --record, or 'geneturing' / 'fixtures'.") from e
    except OSError as e:
        raise StorageError(f"replay file {path} cannot be read ({e.strerror or e}).", path=path) from e
    return tuple(out)


def truncate_idlist(body: str, retmax: int) -> str:
    """Cut an esearch response's id list to ``retmax`` ids (JSON or XML)."""
    if body.lstrip().startswith("{"):
        try:
            data = json.loads(body)
            res = data["esearchresult"]
            res["idlist"] = res.get("idlist", [])[:retmax]
            res["retmax"] = str(len(res["idlist"]))
            return json.dumps(data)
        except (ValueError, KeyError, TypeError):
            return body
    ids = re.findall(r"<Id>\d+</Id>", body)
    for extra in ids[retmax:]:
        body = body.replace(extra, "", 1)
    return body


def _content_type(r: Recorded) -> str:
    if r.content_type:
        return r.content_type
    head = r.body.lstrip()[:20].lower()
    if head.startswith(("{", "[")):
        return "application/json"
    if head.startswith(("<?xml", "<!doctype e", "<e")):
        return "text/xml"
    return "text/html" if head.startswith(("<!doctype html", "<html", "<p>")) else "text/plain"


class ReplayTransport(httpx.AsyncBaseTransport):
    """Serves requests from a :class:`ReplayStore`; misses go to ``fallback`` or raise ReplayMissError."""

    def __init__(self, store: ReplayStore, fallback: httpx.AsyncBaseTransport | None = None) -> None:
        self.store = store
        self.fallback = fallback
        self.stats = ReplayStats()
        self._lock = threading.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        form = (await request.aread()) if request.method == "POST" else b""
        url = str(request.url)
        found = self.store.lookup(url, form)
        key = canonical_key(url, form)
        with self._lock:
            self.stats.keys.append(key)
            if found is None:
                self.stats.missed += 1 if self.fallback is None else 0
                self.stats.live += 0 if self.fallback is None else 1
            else:
                setattr(self.stats, found[1], getattr(self.stats, found[1]) + 1)
        if found is None:
            if self.fallback is None:
                raise ReplayMissError(key)
            return await self.fallback.handle_async_request(request)
        rec, how = found
        body = rec.body
        retmax = requested_retmax(url, form)
        if how == "loose" and service_of(url) == "esearch" and retmax is not None:
            body = truncate_idlist(body, retmax)
        headers = {"content-type": _content_type(rec), "x-replay-match": how}
        return httpx.Response(rec.status, headers=headers, content=body.encode("utf-8"), request=request)

    async def aclose(self) -> None:
        if self.fallback is not None:
            await self.fallback.aclose()
