"""Fixtures for the E-utilities tests: replayed real NCBI responses, fake clocks, mock transports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from biomedqa.settings import NCBISettings, Settings, get_settings
from biomedqa.testing import ManualClock
from biomedqa.tools.eutils import build_eutils
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.ratelimit import RateLimiter
from biomedqa.tools.eutils.toolbox import EutilsToolbox

GENETURING_CACHE = ("genegpt_geneturing", "api_response_cache.jsonl.gz")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def replay_settings(shared_data: Path) -> Settings:
    cache = shared_data.joinpath(*GENETURING_CACHE)
    fixtures = shared_data / "eutils_fixtures" / "biocommons_eutils_interactions.jsonl.gz"
    return get_settings().with_overrides({"ncbi.replay": [str(cache), str(fixtures)], "ncbi.offline": True})


@pytest.fixture
async def toolbox(replay_settings: Settings) -> AsyncIterator[EutilsToolbox]:
    tb = build_eutils(replay_settings)
    yield tb
    await tb.aclose()


@pytest.fixture
def mock_client(clock: ManualClock) -> Callable[..., EutilsClient]:
    """An EutilsClient over an httpx.MockTransport, with a fake clock for waits and backoff."""

    def make(handler: Callable[[httpx.Request], httpx.Response], api_key: str | None = None,
             max_retries: int = 3) -> EutilsClient:
        settings = NCBISettings(api_key=api_key, max_retries=max_retries)
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        limiter = RateLimiter.for_ncbi(api_key is not None, clock=clock, sleep=clock.sleep)
        return EutilsClient(http, settings, limiter=limiter, sleep=clock.sleep)

    return make
