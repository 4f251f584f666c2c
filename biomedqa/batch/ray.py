"""``batch --engine ray``: an agent whose questions run on Ray actors, each holding one loaded agent.

:class:`RayAgentPool` has the ``aask`` of :class:`biomedqa.Agent`, so the batch runner drives it
exactly as it drives a local agent: the same journal, resume and output order (rows start in input
order, records are written in input order); only the answering moves to the actors. Each actor
gets ``cores / workers`` threads (llama.cpp and torch), so the actors together never oversubscribe
the machine. Errors raised inside an actor are re-raised here as the same exception, so a failed
row records the same message as locally.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

from typing_extensions import Unpack

from biomedqa.errors import ConfigError
from biomedqa.settings import Settings
from biomedqa.types import AgentEvent, Answer, AnswerFormat, AskOptions

logger = logging.getLogger(__name__)

DEFAULT_FACTORY = "biomedqa.cli.agent:default_agent_factory"


def load_factory(path: str) -> Any:
    """``module:attribute`` → the callable (``Settings -> agent``)."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


class _AgentActor:
    """One loaded agent inside a Ray actor (one question at a time: ``max_concurrency=1``)."""

    def __init__(self, settings: dict[str, Any], factory: str, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        self.agent = load_factory(factory)(Settings.model_validate(settings))

    async def aask(self, question: str, options: Mapping[str, str] | None, format: AnswerFormat | None) -> Any:
        try:
            return await self.agent.aask(question, options=options, format=format)
        except Exception as e:  # shipped back and re-raised by the pool
            return e

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        close = getattr(self.agent, "close", None)
        if callable(close):
            close()


class RayAgentPool:
    """``workers`` Ray actors answering questions; ``aask`` waits for a free one.

    Args:
        settings: Settings for every actor's agent (``llm.n_threads`` is set per actor).
        workers: Number of actors (each loads the model once).
        factory: ``module:callable`` building an agent from settings inside each actor.
    """

    def __init__(self, settings: Settings, workers: int = 1, factory: str = DEFAULT_FACTORY) -> None:
        try:
            import ray
        except ImportError as e:
            raise ConfigError("--engine ray needs Ray.", hint="pip install -e '.[ray]'") from e
        from biomedqa.indexes.ray_build import ensure_ray

        self.settings = settings
        self._started = ensure_ray()
        cpus = float(ray.cluster_resources().get("CPU", os.cpu_count() or 1))  # type: ignore[no-untyped-call]
        self.threads = max(1, int(cpus // workers))
        per = max(0.1, min(float(self.threads), cpus / workers))
        actor_settings = settings.with_overrides({"llm.n_threads": self.threads}).model_dump(mode="json")
        env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
                            "OMP_NUM_THREADS": str(self.threads)}}
        cls: Any = ray.remote(_AgentActor).options(num_cpus=per, max_concurrency=1, runtime_env=env)
        self.actors: list[Any] = [cls.remote(actor_settings, factory, self.threads) for _ in range(workers)]
        try:  # fail here, not on the first row, when an actor cannot load its agent
            ray.get([a.pid.remote() for a in self.actors])
        except Exception as e:
            self.close()
            lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
            errors = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", ln)]
            why = (errors or lines or [type(e).__name__])[-1]
            raise ConfigError(f"Ray agent actors could not start: {why[:200]}",
                              hint="Check the model/index settings with: biomedqa doctor") from e
        self._idle: asyncio.Queue[Any] | None = None
        logger.info("ray: %d agent actor(s), %d thread(s) and %.2f CPU each", workers, self.threads, per)

    async def aask(self, question: str, **kw: Unpack[AskOptions]) -> Answer:
        """Answer on the next free actor (``history`` is not supported across processes)."""
        if self._idle is None:
            self._idle = asyncio.Queue()
            for a in self.actors:
                self._idle.put_nowait(a)
        actor = await self._idle.get()
        try:
            options = kw.get("options")
            result = await actor.aask.remote(question, dict(options) if options else None, kw.get("format"))
        finally:
            self._idle.put_nowait(actor)
        if isinstance(result, BaseException):
            raise result
        answer: Answer = result
        return answer

    async def astream(self, question: str, **kw: Unpack[AskOptions]) -> AsyncIterator[AgentEvent]:
        """Not streamed across processes: one ``answer`` event."""
        answer = await self.aask(question, **kw)
        yield AgentEvent(kind="answer", answer=answer)

    def close(self) -> None:
        """Close the actors' agents and stop Ray if this pool started it."""
        import ray

        try:
            ray.get([a.close.remote() for a in self.actors])
        except Exception:  # an actor that never started has nothing to close
            logger.debug("ray: closing actors failed", exc_info=True)
        finally:
            for a in self.actors:
                ray.kill(a)
            if self._started:
                ray.shutdown()
