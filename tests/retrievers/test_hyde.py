from __future__ import annotations

from collections.abc import Sequence

from langgraph.runtime import Runtime

from biomedqa.agent.nodes.retrieve import retrieve
from biomedqa.deps import Deps
from biomedqa.retrievers.hyde import PROMPT_VERSION, HyDEExpander, clean_abstract
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


async def test_expand_writes_n_abstracts_and_caches_them(settings: Settings) -> None:
    llm = ScriptedChatModel(default=lambda prompt: "Abstract: Metformin lowers HbA1c " + str(len(prompt)))
    hyde = HyDEExpander(llm, settings)
    docs = await hyde.expand("Does metformin reduce HbA1c?", n=2)
    assert len(docs) == 2 and all(d.startswith("Metformin lowers HbA1c") for d in docs)
    assert docs[0] != docs[1]  # the second abstract takes another angle
    assert "PubMed-style abstract" in llm.calls[0]["prompt"] and "Does metformin" in llm.calls[0]["prompt"]
    again = HyDEExpander(llm, settings)
    assert await again.expand("Does metformin reduce HbA1c?", n=2) == docs
    assert len(llm.calls) == 2 and again.hits == 1  # served from the disk cache
    await again.expand("Does metformin reduce HbA1c?", n=1)
    assert len(llm.calls) == 3  # a different n is a different cache entry
    cached = list((settings.cache_dir / "hyde").glob("*.json"))
    assert len(cached) == 2 and PROMPT_VERSION in cached[0].read_text()


async def test_cache_key_depends_on_model_name(settings: Settings) -> None:
    a = HyDEExpander(ScriptedChatModel(default="x", name="a"), settings)
    b = HyDEExpander(ScriptedChatModel(default="x", name="b"), settings)
    assert a.cache_key("q", 1) != b.cache_key("q", 1)
    assert a.cache_key("q", 1) == a.cache_key(" q ", 1)


class ExpandingRetriever(ListRetriever):
    def __init__(self, passages: Sequence[Passage]) -> None:
        super().__init__(passages)
        self.expanded: list[tuple[str, list[str]]] = []

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        self.expanded.append((query, list(expansions)))
        return self.search(" ".join([query, *expansions]), k)


async def test_retrieve_routes_through_search_expanded_only_when_hyde_is_on(settings: Settings) -> None:
    passages = [Passage(doc_id="1", pmid="1", text="insulin resistance glucose uptake"),
                Passage(doc_id="2", pmid="2", text="unrelated astronomy")]
    on = settings.with_overrides({"retrieval.hyde": True, "retrieval.hyde_n": 1, "retrieval.k": 1})
    retriever = ExpandingRetriever(passages)
    hyde = HyDEExpander(ScriptedChatModel(default="insulin resistance improves"), on)
    out = await retrieve({"question": "metformin effect?"}, Runtime(context=Deps(on, retriever=retriever, hyde=hyde)))
    found, exp = out["passages"], out["expansions"]
    assert [p.pmid for p in found] == ["1"] and exp == ["insulin resistance improves"]
    assert retriever.expanded == [("metformin effect?", exp)]
    off = settings.with_overrides({"retrieval.k": 1})  # default settings: retrieval.hyde is False
    llm = ScriptedChatModel(default="hypothetical text")
    deps = Deps(off, retriever=ExpandingRetriever(passages), hyde=HyDEExpander(llm, off))
    out = await retrieve({"question": "metformin effect?"}, Runtime(context=deps))
    assert out["passages"] == [] and out["expansions"] == [] and llm.calls == []  # plain search: no word overlap


def test_clean_abstract() -> None:
    assert clean_abstract("  Abstract:  Line one.\n\nLine two. ") == "Line one. Line two."
