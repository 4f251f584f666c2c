"""``biomedqa eval threads``: what a second busy process does to llama.cpp, and what fewer threads save.

Times one fixed prompt (prompt evaluation plus a fixed number of generated tokens) with the
model loaded at each thread count, first on quiet cores, then with ``--busy`` processes
spinning on a core each. Run it under the CPU lock: the "quiet" rows are only quiet then.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.settings import Settings
from biomedqa.threads import free_cores, usable_cores
from biomedqa.types import Message

PROMPT = (
    "Summarise in three sentences: cystic fibrosis is caused by mutations in the CFTR gene, which encodes "
    "a chloride channel; the most common mutation, F508del, causes misfolding of the protein. "
) * 4


def _spin(stop: Any) -> None:
    while not stop.is_set():
        pass


async def _time_once(settings: Settings, threads: int, tokens: int) -> dict[str, float]:
    from biomedqa.llm import LlamaChatModel
    from biomedqa.models import resolve_gguf

    s = settings.llm.model_copy(update={"n_threads": threads, "temperature": 0.0})
    llm = LlamaChatModel(resolve_gguf(settings.llm.model, settings.cache_dir), s, name=settings.llm.model)
    try:
        llm.load()
        t0 = time.perf_counter()
        await llm.complete([Message(role="user", content=PROMPT)], max_tokens=tokens)
        secs = time.perf_counter() - t0
        return {"threads": threads, "seconds": round(secs, 2), **{k: round(v, 2) for k, v in llm.last_perf.items()}}
    finally:
        llm.close()


def measure(settings: Settings, thread_counts: list[int], busy: int, tokens: int) -> list[dict[str, Any]]:
    """Rows of (condition, threads, seconds, prompt/generation split)."""
    rows: list[dict[str, Any]] = []
    for condition in ("quiet", f"{busy} busy"):
        stop = mp.Event()
        procs = [
            mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(busy if condition != "quiet" else 0)
        ]
        for p in procs:
            p.start()
        try:
            time.sleep(0.5 if procs else 0.0)
            auto = free_cores(interval=0.5).free
            for n in thread_counts:
                rows.append(
                    {"condition": condition, "auto_threads": auto, **asyncio.run(_time_once(settings, n, tokens))}
                )
        finally:
            stop.set()
            for p in procs:
                p.join(timeout=5)
    return rows


@click.command()
@click.option("--threads", "thread_counts", type=int, multiple=True, help="Thread counts (default: 1 and all usable).")
@click.option("--busy", type=int, default=1, show_default=True, help="Busy processes in the second condition.")
@click.option("--tokens", type=int, default=32, show_default=True, help="Tokens generated per timing.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the rows here.")
@click.option("--json", "as_json", is_flag=True)
@with_settings()
def command(
    thread_counts: tuple[int, ...], busy: int, tokens: int, out: Path | None, as_json: bool, settings: Settings
) -> None:
    """llama.cpp seconds per call by thread count, on quiet cores and beside busy processes."""
    counts = list(thread_counts) or sorted({1, usable_cores()})
    if any(n < 1 for n in counts) or busy < 0 or tokens < 1:
        raise click.BadParameter("thread counts and --tokens must be at least 1, --busy at least 0")
    rows = measure(settings, counts, busy, tokens)
    if out:
        out.write_text(json.dumps(rows, indent=2))
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['condition']:8} threads {r['threads']}: {r['seconds']:6.2f} s (prompt {r.get('prompt_s', '?')} s, "
            f"generation {r.get('gen_s', '?')} s for {r.get('gen_tokens', '?')} tokens); auto would use "
            f"{r['auto_threads']}"
        )
