"""revise: count a revision; generate runs again with the reflection's feedback in its prompt."""

from __future__ import annotations

from typing import Any

from biomedqa.agent.state import AgentState


def revise(state: AgentState) -> dict[str, Any]:
    """Count a revision; generate runs again with the reflection's feedback in its prompt."""
    return {"revisions": state.get("revisions", 0) + 1}
