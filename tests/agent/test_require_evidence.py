"""agent.require_evidence: a run that found nothing to answer from raises NoEvidenceError (exit code 6)."""

from __future__ import annotations

import json

import pytest

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.errors import NoEvidenceError
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel

REPLIES = {
    "Plan how to answer": json.dumps({"tools": ["pubmed"], "needs_retrieval": True}),
    "better short keyword": json.dumps({"query": "zzz"}),
}


def test_strict_run_without_evidence_raises(settings: Settings) -> None:
    s = settings.with_overrides({"agent.use_eutils": False, "agent.require_evidence": True})
    agent = Agent(deps=Deps(s, llm=ScriptedChatModel(dict(REPLIES)), retriever=ListRetriever([])))
    with pytest.raises(NoEvidenceError) as err:
        agent.ask("What is the melting point of unobtainium?")
    assert err.value.exit_code == 6 and "agent.require_evidence" in str(err.value)


def test_default_run_without_evidence_answers(settings: Settings) -> None:
    s = settings.with_overrides({"agent.use_eutils": False})
    agent = Agent(deps=Deps(s, llm=ScriptedChatModel(dict(REPLIES)), retriever=ListRetriever([])))
    assert "does not answer" in agent.ask("What is the melting point of unobtainium?").text
