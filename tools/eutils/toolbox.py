"""The toolbox the agent calls: dispatch through the tool registry, uniform ToolCall results, passages."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
from pydantic import ValidationError

from biomedqa.errors import BiomedQAError, NCBIError
from biomedqa.interfaces import ChatModel
from biomedqa.tools.eutils import pubmed
from biomedqa.tools.eutils.blast import BlastClient
from biomedqa.tools.eutils.chains import answer_gene_question
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.replay import ReplayTransport
from biomedqa.tools.eutils.results import passages_of
from biomedqa.tools.eutils.tools import REGISTRY, NcbiClients
from biomedqa.types import Passage, ToolAnswer, ToolCall

logger = logging.getLogger(__name__)


class EutilsToolbox:
    """NCBI tools for the agent. Build with :func:`biomedqa.tools.eutils.build_eutils`."""

    def __init__(self, client: EutilsClient, blast: BlastClient, transport: httpx.AsyncBaseTransport | None = None):
        self.client = client
        self.blast = blast
        self.transport = transport
        self.ncbi = NcbiClients(client, blast)

    @property
    def replay(self) -> ReplayTransport | None:
        return self.transport if isinstance(self.transport, ReplayTransport) else None

    def specs(self) -> list[dict[str, Any]]:
        """Tool signatures: ``{"name", "description", "parameters": JSON schema}``."""
        return [tool.spec() for tool in REGISTRY.values()]

    async def call(self, name: str, args: dict[str, Any]) -> ToolCall:
        """Run one tool within its budget (``ncbi.call_deadline``; BLAST adds its polling waits).

        Every failure comes back as ``ok=False`` with a one-line ``error``, never raised: bad
        arguments, NCBI errors, the budget passing, and (logged as a bug) anything unexpected.
        """
        t0 = time.perf_counter()
        before = len(self.client.requests)

        def done(**kw: Any) -> ToolCall:
            return ToolCall(tool=name, args=args, seconds=time.perf_counter() - t0,
                            requests=self.client.requests[before:], **kw)

        tool = REGISTRY.get(name)
        if tool is None:
            return done(ok=False, error=f"unknown tool {name!r}; choose one of {', '.join(REGISTRY)}")
        try:
            parsed = tool.args_model.model_validate(args)
        except ValidationError as e:
            err = e.errors()[0]
            return done(ok=False, error=f"bad arguments for {name}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
        budget = tool.budget(self.ncbi)
        try:
            async with asyncio.timeout(budget):
                result = (await tool.run(self.ncbi, parsed)).model_dump(mode="json")
        except BiomedQAError as e:
            logger.info("tool %s failed: %s", name, e.message)
            return done(ok=False, error=str(e))
        except TimeoutError:
            logger.info("tool %s passed its %.0f s budget", name, budget)
            return done(ok=False, error=f"{name} did not finish within {budget:g} s; NCBI is slow or not answering.")
        except Exception as e:  # noqa: BLE001 - a tool must never crash the agent; this is a bug to report
            logger.warning("tool %s failed unexpectedly", name, exc_info=True)
            return done(ok=False, error=f"{name} failed on an unexpected NCBI response ({type(e).__name__}).")
        return done(ok=True, result=result)

    # -- evidence ---------------------------------------------------------------------
    async def answer_question(self, question: str, llm: ChatModel | None) -> ToolAnswer:
        """A gene/SNP/disease/sequence question answered by a chain of calls (see :mod:`.chains`)."""
        return await answer_gene_question(question, llm, self)

    def passages(self, call: ToolCall) -> list[Passage]:
        """Citable evidence from a successful call (PubMed abstracts; gene/SNP/OMIM/BLAST records)."""
        return passages_of(call)

    async def pubmed_passages(self, query: str, k: int) -> list[Passage]:
        """PubMed search + fetch for ``ask`` (live or replayed) within ``ncbi.call_deadline``.

        Raises:
            NCBIError: for every failure, the budget passing and unexpected responses included.
        """
        budget = self.client.settings.call_deadline
        try:
            async with asyncio.timeout(budget):
                return await pubmed.search_pubmed(self.client, query, k)
        except BiomedQAError:
            raise
        except TimeoutError as e:
            raise NCBIError(f"PubMed search did not finish within {budget:g} s.", hint="Retry later.") from e
        except Exception as e:  # noqa: BLE001 - typed at the seam
            logger.warning("PubMed search failed unexpectedly", exc_info=True)
            raise NCBIError(f"PubMed search failed on an unexpected response ({type(e).__name__}).",
                            hint="Retry later.") from e

    async def aclose(self) -> None:
        await self.client.http.aclose()

    def close(self) -> None:
        """Close the HTTP client from sync code (scheduled when a loop is running)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.aclose())
        else:
            loop.create_task(self.aclose())

