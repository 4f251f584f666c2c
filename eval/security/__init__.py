"""Hostile-input suites (``biomedqa eval security``): one module per area, each with ``run()``.

Contract: an area module ``biomedqa.eval.security.<area>`` exposes
``run() -> list[CaseResult]``; :data:`AREAS` names the modules, so adding an area is one line.
"""

from __future__ import annotations

AREAS: dict[str, str] = {
    "sql": "biomedqa.eval.security.sql",
    "cli": "biomedqa.eval.security.cli",
    "eutils": "biomedqa.eval.security.eutils",
    "injection": "biomedqa.eval.security.injection",
}
"""Area name -> module path; each module has ``run() -> list[CaseResult]``."""
