"""One request-rate limiter shared by all concurrent NCBI calls, with an injectable clock
(tests inject :class:`biomedqa.testing.ManualClock`).

Why not ``aiolimiter`` (on PyPI, considered for #17): its ``AsyncLimiter`` reads
``asyncio.get_running_loop().time()`` and waits with ``wait_for`` timeouts, so tests could not keep a
fake clock (they would sleep for real, or need a virtual-time event loop); it is a leaky bucket that
lets ``max_rate`` requests through at once, where NCBI etiquette (and Biopython) spaces them
0.34 s / 0.1 s apart; and it has no shared pause, which a 429's Retry-After needs here
(:meth:`RateLimiter.pause`). This class is 40 lines and tested on the fake clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """Spaces requests at least ``1 / rate`` seconds apart across all callers.

    NCBI allows 3 requests/s without an API key and 10 with one. ``rate=None`` disables
    limiting (replay mode).
    """

    def __init__(self, rate: float | None, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock: asyncio.Lock | None = None
        self.waited = 0.0

    @classmethod
    def for_ncbi(cls, has_key: bool, **kw: Clock | Sleep) -> RateLimiter:
        return cls(10.0 if has_key else 3.0, **kw)  # type: ignore[arg-type]

    async def acquire(self) -> None:
        """Wait until the next request slot is free, then take it."""
        if not self.interval:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self.clock()
            wait = self._next - now
            if wait > 0:
                self.waited += wait
                await self.sleep(wait)
                now = self.clock()
            self._next = max(now, self._next) + self.interval

    async def pause(self, seconds: float) -> None:
        """Push every caller back by ``seconds`` (after a 429 with Retry-After)."""
        if seconds > 0:
            self._next = max(self._next, self.clock() + seconds)
