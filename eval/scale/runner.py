"""``biomedqa eval scale``: run the design benchmark in resumable steps, then write JSON + Markdown.

Each step (quantizer, int8 store, build, serve) runs in its own subprocess and leaves a result file
under ``<out>/steps``; a rerun skips finished steps, so the benchmark can run in several short holds
of the CPU lock (``--max-minutes`` stops starting new steps after that long).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from biomedqa.cli.options import with_settings
from biomedqa.eval.scale.designs import DESIGNS
from biomedqa.settings import Settings
from biomedqa.shared_data import shared_data_dir

logger = logging.getLogger(__name__)


def _step(out: Path, args: list[str], name: str) -> dict[str, Any] | None:
    path = out / "steps" / f"{name}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    path.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"scale: {name} …", err=True)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "biomedqa.eval.scale.worker", *args, str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        click.echo(f"scale: {name} failed: {proc.stderr.strip().splitlines()[-1:]}", err=True)
        return None
    click.echo(f"scale: {name} done in {time.perf_counter() - t:.1f} s", err=True)
    return dict(json.loads(path.read_text()))


def run_scale(settings: Settings, sizes: list[int], designs: list[str], out: Path, cache: Path,
              max_minutes: float, ef_construction: int) -> Path:
    """Prepare vectors, run every missing step within the time budget, and write the report."""
    from biomedqa.eval.scale import vectors
    from biomedqa.eval.scale.report import write_report

    t0 = time.perf_counter()
    real = vectors.real_vectors(cache, shared_data_dir(), settings)
    pool = np.concatenate([real["minipubmed"], real["scifact"]])
    for n in sizes:
        meta = vectors.prepare_base(cache, pool, n)
        (out / "steps").mkdir(parents=True, exist_ok=True)
        (out / "steps" / f"base_{n}.json").write_text(json.dumps(meta))
        vectors.ground_truth(cache, n, real["queries"])
        todo: list[tuple[list[str], str]] = []
        if any(DESIGNS[d].family == "ivf" for d in designs):
            todo.append((["quantizer", str(cache), str(n)], f"quantizer_{n}"))
        todo.append((["int8", str(cache), str(n)], f"int8_{n}"))
        for d in designs:
            todo.append((["build", str(cache), str(n), d, str(ef_construction)], f"build_{n}_{d}"))
            todo.append((["serve", str(cache), str(n), d], f"serve_{n}_{d}"))
        for args, name in todo:
            if (time.perf_counter() - t0) / 60 > max_minutes and not (out / "steps" / f"{name}.json").exists():
                click.echo(f"scale: time budget spent; rerun to continue from {name}", err=True)
                return write_report(out)
            if args[0] == "serve" and not (out / "steps" / f"build_{n}_{args[3]}.json").exists():
                continue
            result = _step(out, args, name)
            if result and args[0] == "quantizer":
                (cache / f"quantizer_{n}.json").write_text(json.dumps(result))
    return write_report(out)


@click.command("scale")
@click.option("--n", "sizes", type=int, multiple=True, default=[100_000, 1_000_000], show_default=True,
              help="Vector counts (repeat the option).")
@click.option("--design", "designs", type=click.Choice(list(DESIGNS)), multiple=True,
              help="Designs to run (default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/scale"),
              show_default=True)
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Vectors and built indexes (default: <cache_dir>/scale).")
@click.option("--max-minutes", type=float, default=14.0, show_default=True,
              help="Start no new step after this long (rerun to resume).")
@click.option("--ef-construction", type=int, default=40, show_default=True, help="HNSW efConstruction.")
@with_settings(ncbi=False)
def command(sizes: tuple[int, ...], designs: tuple[str, ...], out_dir: Path, cache_dir: Path | None,
            max_minutes: float, ef_construction: int, settings: Settings) -> None:
    """Compare FAISS designs at 100k/1M vectors; extrapolate memory and q/s to 36M and 100M."""
    cache = cache_dir or settings.cache_dir / "scale"
    path = run_scale(settings, sorted(sizes), list(designs or DESIGNS), out_dir, cache, max_minutes, ef_construction)
    click.echo(f"Saved {path} and {path.with_suffix('.md')}")
