from __future__ import annotations

import pytest

from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


@pytest.fixture
def passages(minipubmed_slice: list[dict[str, str]]) -> list[Passage]:
    """Real mini-PubMed records as passages."""
    return [
        Passage(doc_id=r["pmid"], pmid=r["pmid"], title=r.get("title") or "", text=r["text"]) for r in minipubmed_slice
    ]


@pytest.fixture
def scripted() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def deps(settings: Settings, scripted: ScriptedChatModel, passages: list[Passage]) -> Deps:
    s = settings.with_overrides({"agent.use_eutils": False})
    return Deps(s, llm=scripted, retriever=ListRetriever(passages))
