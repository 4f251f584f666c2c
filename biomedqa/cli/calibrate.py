"""``biomedqa calibrate``: fit and list the calibration files that decide closed answers (agent.calibration)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.errors import InputError
from biomedqa.settings import Settings

FIT_SUBSETS = ("pubmedqa-train", "pubmedqa-train-yesno", "bioasq-dev")


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """JSONL lines ``{"question", "options": {"A": "yes", ...}, "answer": "A" or "yes"}`` as MIRAGE-style items."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            question, options, answer = str(rec["question"]), dict(rec["options"]), str(rec["answer"]).strip()
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{path}:{n}: not a labelled question ({e}).",
                             hint='Each line: {"question": "...", "options": {"A": "yes", "B": "no"}, "answer": "A"}',
                             ) from None
        letter = answer if answer in options else next(
            (k for k, v in options.items() if str(v).strip().lower() == answer.lower()), None)
        if not question.strip() or len(options) < 2 or letter is None:
            raise InputError(f"{path}:{n}: needs a question, two or more options and an answer among them.")
        items.append({"qid": str(rec.get("id", n)), "question": question,
                      "options": {str(k): str(v) for k, v in options.items()}, "answer": letter})
    if not items:
        raise InputError(f"{path} holds no labelled questions.")
    return items


def fit_files(rows: dict[str, list[dict[str, Any]]], *, model: str, folder: Path, name: str,
              views: str = "all") -> list[dict[str, Any]]:
    """One calibration file per prompt kind (mode) and option set with enough labelled rows; ``views``: read
    every prompt view the rows were scored under (``all``) or the letters prompt only."""
    from biomedqa.agent import calibration as cal

    written = []
    for mode, mrows in rows.items():
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for r in mrows:
            groups[cal.option_set(r["options"])].append(r)
        for option_texts, group in groups.items():
            if len(group) < 20 or len({r["gold"] for r in group}) < 2:
                click.echo(f"skipped {mode} {'/'.join(option_texts)}: {len(group)} questions, too few to fit", err=True)
                continue
            evidence = mode != "cot"
            used = cal.pick_views(views, group)
            fitted = cal.fit_rows(group, model=model, evidence=evidence, fitted_on=name, views=used)
            path = fitted.save(folder / f"{cal.slug(model, group[0]['options'], evidence)}.json")
            written.append({"file": str(path), "mode": mode, "options": list(option_texts), "n": len(group),
                            "views": used})
    return written


@click.group("calibrate")
def calibrate_group() -> None:
    """Fit and list calibration files for closed answers (options, yes/no): see agent.calibration.

    \b
    Example:
      biomedqa calibrate fit --subset pubmedqa-train
    """


@calibrate_group.command("fit")
@click.option("--subset", type=click.Choice(FIT_SUBSETS), default="pubmedqa-train", show_default=True,
              help="Labelled questions from ../shared (pubmedqa-train: PubMedQA's 500 non-test questions; "
              "bioasq-dev: MIRAGE BioASQ-Y/N from 7B-10B).")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Your own labelled JSONL instead of --subset.")
@click.option("--mode", "modes", type=click.Choice(["rag", "cot"]), multiple=True, default=("rag", "cot"),
              show_default=True, help="Prompt kind: rag (retrieved evidence, what ask uses) or cot (no evidence).")
@click.option("--limit", type=int, default=None, help="Use the first N questions only.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files (default: BIOMEDQA_HOME/calibration, read by ask before the shipped ones).")
@click.option("--views", type=click.Choice(["all", "letters"]), default="all", show_default=True,
              help="Yes/no(/maybe) with evidence: read every prompt view (framing) scored, or the letters prompt "
              "only.")
@click.option("--index", default=None, help="Index the rag prompts retrieve from (default: retrieval.index).")
@click.option("--json", "as_json", is_flag=True)
@with_settings(ncbi=False, index="retrieval.index")
def fit_command(subset: str, data: Path | None, modes: tuple[str, ...], limit: int | None, out: Path | None,
                views: str, as_json: bool, settings: Settings) -> None:
    """Score labelled questions with the model (resumable), fit one calibrator per option set and prompt kind.

    \b
    Example:
      biomedqa calibrate fit --subset pubmedqa-train
      biomedqa calibrate fit --data my_yesno.jsonl -o llm.model=/models/meerkat-7b.Q4_K_M.gguf
    """
    from biomedqa.eval.runners.mirage import journal_name, load_subset, model_tag, run_modes

    items = read_labelled(data) if data else load_subset(subset)
    items = items[:limit] if limit else items
    folder = out or settings.home / "calibration"
    runs = settings.home / "calibration" / "runs"
    name = data.stem if data else subset
    journals = {m: runs / journal_name(settings, name, model_tag(settings), m) for m in modes}
    rows = asyncio.run(run_modes(settings, items, list(modes), journals))
    written = fit_files(rows, model=settings.llm.model, folder=folder, name=name, views=views)
    if as_json:
        echo_json({"written": written})
    for w in written if not as_json else []:
        click.echo(f"{w['file']}  ({w['mode']}, {'/'.join(w['options'])}, n={w['n']}, views {'+'.join(w['views'])})")


@calibrate_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@with_settings(ncbi=False)
def show_command(as_json: bool, settings: Settings) -> None:
    """List the calibration files ask can use: yours (BIOMEDQA_HOME/calibration), then the shipped ones.

    \b
    Example:
      biomedqa calibrate show --json
    """
    from biomedqa.agent.calibration import SHIPPED, FittedCalibrator

    found = []
    for origin, folder in (("yours", settings.home / "calibration"), ("shipped", SHIPPED)):
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                f = FittedCalibrator.model_validate_json(path.read_text())
            except ValueError:
                continue
            found.append({"origin": origin, "file": path.name, "model": f.model, "options": f.options,
                          "prompt": "evidence" if f.evidence else "no evidence", "fitted_on": f.fitted_on,
                          "views": f.views})
    if as_json:
        echo_json({"calibration": settings.agent.calibration, "files": found})
        return
    click.echo(f"agent.calibration = {settings.agent.calibration}")
    for row in found:
        click.echo(f"{row['origin']:8} {row['file']}  [{row['prompt']}; views {'+'.join(row['views'])}; "
                   f"fitted on {row['fitted_on']}]")
    if not found:
        click.echo("no calibration files; fit one with: biomedqa calibrate fit")
