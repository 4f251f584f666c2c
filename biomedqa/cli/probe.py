"""``doctor``'s NCBI reachability check: one E-utilities ``einfo`` request with a short timeout.

The transport is a parameter, so tests drive it with ``httpx.MockTransport`` and never open a socket.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from biomedqa.settings import NCBISettings

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


def probe_ncbi(ncbi: NCBISettings, *, transport: httpx.BaseTransport | None = None,
               timeout: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """Whether E-utilities answers within ``timeout`` seconds: ``{"reachable", "seconds", "detail"}``.

    Offline settings (``ncbi.offline``, e.g. ``--replay``) are reported without any request.
    """
    if ncbi.offline:
        return {"reachable": None, "seconds": 0.0, "detail": "offline (ncbi.offline=true): replay only, not checked"}
    params = {"tool": ncbi.tool, "email": ncbi.email, "retmode": "json"}
    t = time.perf_counter()
    try:
        with httpx.Client(transport=transport, timeout=timeout) as client:
            r = client.get(ncbi.base_url.rstrip("/") + "/einfo.fcgi", params=params)
        ok, detail = r.status_code < 500, f"HTTP {r.status_code}"
    except Exception as e:  # DNS failure, refused, timeout, blocked socket: all "unreachable" to the user
        ok, detail = False, f"{type(e).__name__}: {' '.join(str(e).split())[:120] or 'no detail'}"
    seconds = round(time.perf_counter() - t, 2)
    logger.info("doctor: NCBI %s in %.2f s (%s)", "reachable" if ok else "unreachable", seconds, detail)
    return {"reachable": ok, "seconds": seconds, "detail": detail}
