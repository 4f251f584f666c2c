"""Local GGUF chat model through llama-cpp-python, behind the ChatModel seam."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from typing_extensions import Unpack

from biomedqa.errors import LLMError
from biomedqa.interfaces import GenOptions
from biomedqa.settings import LLMSettings
from biomedqa.threads import model_threads, usable_cores
from biomedqa.types import Message

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class LLMOutputError(LLMError):
    """The model's constrained output did not validate against the schema."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        self.raw = raw
        super().__init__(message)


def gpu_available() -> bool:
    try:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())
    except Exception:  # pragma: no cover - import problems are reported by doctor
        return False


def physical_cores() -> int:
    """Cores this process may use (affinity, physical cores, cgroup quota): see ``biomedqa.threads``."""
    return usable_cores()


def parse_model(schema: type[M], text: str) -> M:
    """Validate constrained JSON; raise LLMOutputError with the raw text when it does not fit."""
    try:
        return schema.model_validate_json(text)
    except ValidationError as e:
        raise LLMOutputError(f"model output does not fit {schema.__name__}: {e.errors()[0]['msg']}", raw=text) from e


def _reset_perf(llm: Any) -> None:
    try:
        import llama_cpp

        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
    except Exception:  # perf counters are optional diagnostics
        pass


def _read_perf(llm: Any) -> dict[str, float]:
    """Prompt-eval and generation milliseconds of the last call, from llama.cpp's counters."""
    try:
        import llama_cpp

        d = llama_cpp.llama_perf_context(llm._ctx.ctx)
        return {
            "prompt_s": d.t_p_eval_ms / 1000,
            "prompt_tokens": float(d.n_p_eval),
            "gen_s": d.t_eval_ms / 1000,
            "gen_tokens": float(d.n_eval),
        }
    except Exception:
        return {}


class LlamaChatModel:
    """A llama.cpp model loaded lazily, one call at a time (llama.cpp contexts are not thread-safe).

    Consecutive prompts that share a prefix (system prompt, evidence) reuse llama.cpp's KV cache.
    """

    def __init__(self, path: Path, settings: LLMSettings, name: str | None = None) -> None:
        self.path = Path(path)
        self.settings = settings
        self.name = name or self.path.stem
        self._llm: Any = None
        self._lock = threading.Lock()
        self.on_call: Callable[[dict[str, Any]], None] | None = None
        self.last_perf: dict[str, float] = {}

    # -- loading -------------------------------------------------------------------------
    def load(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama

            s = self.settings
            layers = s.n_gpu_layers if s.n_gpu_layers is not None else (-1 if gpu_available() else 0)
            t0 = time.perf_counter()
            try:
                self._llm = Llama(
                    model_path=str(self.path),
                    n_ctx=s.n_ctx,
                    n_threads=model_threads(s.n_threads),
                    n_gpu_layers=layers,
                    seed=s.seed,
                    verbose=s.verbose,
                )
            except Exception as e:
                raise LLMError(
                    f"could not load {self.path.name}: {e}", hint="Check the file, or run: biomedqa doctor"
                ) from e
            logger.info("loaded %s in %.1fs (gpu layers %s)", self.name, time.perf_counter() - t0, layers)
        return self._llm

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    # -- calls ---------------------------------------------------------------------------
    def _kwargs(self, gen: GenOptions) -> dict[str, Any]:
        temperature, stop = gen.get("temperature"), gen.get("stop")
        return {
            "max_tokens": gen.get("max_tokens") or self.settings.max_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
            "stop": list(stop) if stop else None,
            "seed": self.settings.seed,
        }

    def complete_sync(
        self, messages: Sequence[Message], *, schema: type[M] | None = None, **gen: Unpack[GenOptions]
    ) -> str | M:
        kw = self._kwargs(gen)
        if schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": schema.model_json_schema()}
        msgs = [m.model_dump() for m in messages]
        with self._lock:
            llm = self.load()
            t0 = time.perf_counter()
            _reset_perf(llm)
            out = llm.create_chat_completion(messages=msgs, **kw)
            self.last_perf = _read_perf(llm)
        text = out["choices"][0]["message"]["content"] or ""
        usage = out.get("usage", {})
        if self.on_call:
            self.on_call({"prompt": msgs, "reply": text, "seconds": time.perf_counter() - t0, "usage": usage})
        return parse_model(schema, text) if schema is not None else text

    async def complete(
        self, messages: Sequence[Message], *, schema: type[M] | None = None, **gen: Unpack[GenOptions]
    ) -> Any:
        return await asyncio.to_thread(lambda: self.complete_sync(messages, schema=schema, **gen))

    async def stream(self, messages: Sequence[Message], **gen: Unpack[GenOptions]) -> AsyncIterator[str]:
        """Yield tokens; closing the iterator (or cancelling the task) stops generation."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None | BaseException] = asyncio.Queue()
        cancel = threading.Event()
        msgs = [m.model_dump() for m in messages]
        kw = self._kwargs(gen)

        def run() -> None:
            pieces: list[str] = []
            try:
                with self._lock:
                    t0 = time.perf_counter()
                    llm = self.load()
                    _reset_perf(llm)
                    for chunk in llm.create_chat_completion(messages=msgs, stream=True, **kw):
                        if cancel.is_set():
                            break
                        piece = chunk["choices"][0]["delta"].get("content") or ""
                        if piece:
                            pieces.append(piece)
                            loop.call_soon_threadsafe(queue.put_nowait, piece)
                    self.last_perf = _read_perf(llm)
                if self.on_call:
                    self.on_call({"prompt": msgs, "reply": "".join(pieces), "seconds": time.perf_counter() - t0})
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except BaseException as e:  # delivered to the consumer
                loop.call_soon_threadsafe(queue.put_nowait, e)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise LLMError(f"generation failed: {item}") from item
                yield item
        finally:
            cancel.set()

    def _format_prompt(self, messages: Sequence[Message]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self.load()
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise LLMError(f"{self.name} has no chat template in its GGUF; logprob scoring needs one.")
        def vocab_tok(key: str) -> str:
            if key not in llm.metadata:
                return ""
            return str(llm.detokenize([int(llm.metadata[key])]).decode("utf-8", "ignore"))

        fmt = Jinja2ChatFormatter(
            template=template,
            eos_token=vocab_tok("tokenizer.ggml.eos_token_id"),
            bos_token=vocab_tok("tokenizer.ggml.bos_token_id"),
        )
        chat: Any = [m.model_dump() for m in messages]  # llama_cpp's TypedDict messages, same keys
        return str(fmt(messages=chat).prompt)

    def logprob_choices_sync(
        self, messages: Sequence[Message], choices: Sequence[str], answer_prefix: str = ""
    ) -> dict[str, float]:
        import numpy as np

        with self._lock:
            llm = self.load()
            prompt = self._format_prompt(messages) + answer_prefix
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            # Reuse the KV cache for the shared prefix, then evaluate the rest.
            prefix = 0
            for a, b in zip(llm.input_ids[: llm.n_tokens], tokens, strict=False):
                if a != b:
                    break
                prefix += 1
            llm.n_tokens = min(prefix, len(tokens) - 1)
            new = tokens[llm.n_tokens :]
            t0 = time.perf_counter()
            llm.eval(new)
            # llama.cpp's perf counters do not see Llama.eval's batches: time the prompt evaluation here.
            self.last_perf = {
                "prompt_s": time.perf_counter() - t0,
                "prompt_tokens": float(len(new)),
                "reused_tokens": float(llm.n_tokens - len(new)),
                "gen_s": 0.0,
                "gen_tokens": 0.0,
            }
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)
        logz = logits.max() + math.log(np.exp(logits - logits.max()).sum())
        out: dict[str, float] = {}
        for c in choices:  # "A" and " A" are different tokens: count both spellings
            firsts = {
                ids[0] for v in (c, " " + c) if (ids := llm.tokenize(v.encode("utf-8"), add_bos=False, special=False))
            }
            vals = [float(logits[i] - logz) for i in firsts]
            out[c] = float(np.logaddexp.reduce(vals)) if vals else float("-inf")
        return out

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        return await asyncio.to_thread(self.logprob_choices_sync, messages, choices, answer_prefix)

    def reply_logprob_sync(self, messages: Sequence[Message], reply: str) -> float:
        """Mean log-probability per token of ``reply`` as the assistant's answer to ``messages``.

        The prompt's KV cache is reused; the reply is decoded in one batch with logits for every
        position, so scoring a 40-token draft costs about one prompt-speed batch.
        """
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self.load()
            prompt = llm.tokenize(self._format_prompt(messages).encode("utf-8"), add_bos=False, special=True)
            answer = llm.tokenize(reply.encode("utf-8"), add_bos=False, special=False)
            if not answer:
                return 0.0
            prefix = 0
            for a, b in zip(llm.input_ids[: llm.n_tokens], prompt, strict=False):
                if a != b:
                    break
                prefix += 1
            llm.n_tokens = min(prefix, len(prompt) - 1)
            llm.eval(prompt[llm.n_tokens : len(prompt) - 1])
            tail = [prompt[-1], *answer]
            n_vocab = llm.n_vocab()
            total = 0.0
            for i in range(0, len(tail), llm.n_batch):  # one output row per token of the tail
                chunk = tail[i : i + llm.n_batch]
                llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
                llm._batch.set_batch(batch=chunk, n_past=llm.n_tokens, logits_all=True)
                llm._ctx.decode(llm._batch)
                llm.input_ids[llm.n_tokens : llm.n_tokens + len(chunk)] = chunk
                llm.n_tokens += len(chunk)
                rows = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx), shape=(len(chunk), n_vocab))
                for j in range(len(chunk)):
                    nxt = i + j + 1
                    if nxt >= len(tail):
                        break
                    row = rows[j].astype(np.float64)
                    top = row.max()
                    total += float(row[tail[nxt]] - top - math.log(np.exp(row - top).sum()))
        return total / len(answer)

    async def reply_logprob(self, messages: Sequence[Message], reply: str) -> float:
        return await asyncio.to_thread(self.reply_logprob_sync, messages, reply)
