"""``biomedqa eval report``: compare retrieval runs as a Markdown/rich table and a PNG plot."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.output import handle_errors, stdout_console
from biomedqa.errors import InputError
from biomedqa.eval.extras import import_eval_dep

logger = logging.getLogger(__name__)

COLUMNS = ("run", "queries", "nDCG@10", "R@10", "R@100", "MRR@10", "p50 ms", "p95 ms", "q/s")
PLOT_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")


def _rows(runs: Sequence[Any]) -> list[list[str]]:
    rows = []
    for r in runs:
        m, lat = r.metrics, r.latency
        rows.append([r.label or f"{r.suite}/{r.retriever}", str(r.n_queries), f"{m['ndcg@10']:.3f}",
                     f"{m['recall@10']:.3f}", f"{m['recall@100']:.3f}", f"{m['mrr@10']:.3f}",
                     f"{lat.get('p50_ms', 0):.1f}", f"{lat.get('p95_ms', 0):.1f}", f"{r.throughput_qps:.0f}"])
    return rows


def markdown_table(runs: Sequence[Any]) -> str:
    """A GitHub Markdown table, one row per run."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(runs)]
    return "\n".join(lines)


def print_table(runs: Sequence[Any]) -> None:
    """Print the comparison as a rich table on stdout."""
    from rich.table import Table

    table = Table(*COLUMNS)
    for row in _rows(runs):
        table.add_row(*row)
    stdout_console().print(table)


def load_runs(paths: Sequence[Path]) -> list[Any]:
    """Runs from JSON files, or from every ``*.json`` in folders, in the order given.

    Raises:
        InputError: a path is missing or a file is not a retrieval run.
    """
    from biomedqa.eval.runners.retrieval import RetrievalRun

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(p.glob("*.json"))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(
                f"run file {p} does not exist.", hint="Pass JSON files written by biomedqa eval retrieval."
            )
    runs = []
    for f in files:
        try:
            runs.append(RetrievalRun.model_validate(json.loads(f.read_text())))
        except ValueError as e:
            raise InputError(f"{f} is not a retrieval run ({type(e).__name__}).",
                             hint="Pass JSON files written by biomedqa eval retrieval.") from e
    if not runs:
        raise InputError("no runs to report.", hint="Run biomedqa eval retrieval first (results go to runs/retrieval).")
    return runs


def plot(runs: Sequence[Any], path: Path) -> Path:
    """Grouped bars of the four metrics per run, saved as a PNG (matplotlib, Agg backend)."""
    import numpy as np

    matplotlib = import_eval_dep("matplotlib")
    matplotlib.use("Agg")
    plt = import_eval_dep("matplotlib.pyplot")

    labels = [r.label or f"{r.suite}/{r.retriever}" for r in runs]
    x = np.arange(len(runs))
    width = 0.8 / len(PLOT_METRICS)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(runs) + 2), 4.5))
    for i, metric in enumerate(PLOT_METRICS):
        ax.bar(x + i * width - 0.4 + width / 2, [r.metrics[metric] for r in runs], width, label=metric)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score")
    ax.set_title("Retrieval runs")
    ax.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


@click.command("report")
@click.argument("runs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/retrieval"),
              show_default=True, help="Where report.md and report.png go.")
@handle_errors
def command(runs: tuple[Path, ...], out_dir: Path) -> None:
    """Compare retrieval runs (JSON files or folders; default: runs/retrieval)."""
    loaded = load_runs(list(runs) or [Path("runs/retrieval")])
    print_table(loaded)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(markdown_table(loaded) + "\n")
    png = plot(loaded, out_dir / "report.png")
    click.echo(f"Wrote {out_dir / 'report.md'} and {png}")
