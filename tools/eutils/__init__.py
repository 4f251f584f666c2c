"""NCBI E-utilities and BLAST tools: client, replay/record transports, typed tools, multi-hop chains.

``build_eutils(settings)`` is the entry point the agent's ``Deps`` uses.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from biomedqa.settings import Settings
from biomedqa.tools.eutils.blast import BlastClient, BlastTiming
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.ratelimit import RateLimiter
from biomedqa.tools.eutils.record import RecordingTransport
from biomedqa.tools.eutils.replay import ReplayStore, ReplayTransport
from biomedqa.tools.eutils.toolbox import EutilsToolbox

logger = logging.getLogger(__name__)

__all__ = ["EutilsClient", "EutilsToolbox", "ReplayStore", "ReplayTransport", "build_eutils", "build_transport"]


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0)


def build_transport(settings: Settings) -> httpx.AsyncBaseTransport:
    """Live, recording, replaying or replay-with-live-fallback transport, from ``settings.ncbi``."""
    ncbi = settings.ncbi
    live: httpx.AsyncBaseTransport | None = None
    if not ncbi.offline:
        live = httpx.AsyncHTTPTransport(retries=0)
        if ncbi.record is not None:
            live = RecordingTransport(live, ncbi.record)
    if ncbi.replay or live is None:
        store = ReplayStore.from_paths(list(ncbi.replay))
        return ReplayTransport(store, fallback=live)
    return live


def build_eutils(settings: Settings) -> EutilsToolbox:
    """The E-utilities toolbox for these settings.

    ``settings.ncbi.replay`` (paths, or the alias ``geneturing``) serves recorded responses;
    with ``offline`` a request no recording holds raises ReplayMissError. ``record`` appends
    live responses to a JSONL(.gz) file. Offline runs skip rate limiting and BLAST waits, and poll a
    recorded WAITING report only twice (a recording never becomes ready).
    """
    ncbi = settings.ncbi
    transport = build_transport(settings)
    offline = ncbi.offline or (isinstance(transport, ReplayTransport) and transport.fallback is None)
    http = httpx.AsyncClient(transport=transport, timeout=ncbi.timeout, follow_redirects=True)
    limiter = RateLimiter(None) if offline else RateLimiter.for_ncbi(ncbi.api_key is not None)
    client = EutilsClient(http, ncbi, limiter=limiter, sleep=_no_wait if offline else None)
    timing = (BlastTiming(min_first_wait=0, poll_interval=0, max_polls=min(2, ncbi.blast_max_polls), max_first_wait=0)
              if offline else
              BlastTiming(min_first_wait=ncbi.blast_first_wait, poll_interval=ncbi.blast_poll_interval,
                          max_polls=ncbi.blast_max_polls))
    blast = BlastClient(client, timing, sleep=_no_wait if offline else None)
    logger.info("eutils: %s mode", "replay" if offline else "live")
    return EutilsToolbox(client, blast, transport)
