"""``biomedqa eval calibration``: closed answers decided under each calibration, from logged log-probs.

``biomedqa eval mirage`` logs every question's option log-probabilities for cot (no evidence) and rag
(retrieved evidence). This runner runs the questions still missing from those journals, then decides
each one again under ``none`` / ``contextual`` / ``batch`` / ``fitted`` with the agent's own code
(``biomedqa.agent.calibration``), so a method costs no model call beyond three content-free prompts.

``fitted`` is never scored on a question its calibrator saw: it is fitted on a disjoint labelled set
(``--fit-on pubmedqa-train``: PubMedQA's 500 non-test questions) or, without one, cross-fitted over
k folds of the sample itself (``--folds``). Batch calibration runs in the sample's (seeded) order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import click

from biomedqa.agent import calibration as cal
from biomedqa.agent import prompts
from biomedqa.agent.choice import ChoiceCalibration
from biomedqa.cli.options import with_settings
from biomedqa.deps import Deps
from biomedqa.eval.metrics import mcnemar
from biomedqa.eval.paired import save_result
from biomedqa.eval.runners.mirage import SUBSETS, journal_name, load_subset, model_tag, run_modes, stratified_sample
from biomedqa.settings import Settings

METHODS = ("none", "contextual", "batch", "fitted")
MODES = ("cot", "rag")
Row = dict[str, Any]


def class_metrics(rows: Sequence[Row], preds: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro-F1 over the options, and how often the answer is the option "yes"."""
    options: Mapping[str, str] = rows[0]["options"]
    gold = [r["gold"] for r in rows]
    f1s = []
    for letter in sorted(options):
        tp = sum(g == p == letter for g, p in zip(gold, preds, strict=True))
        fp = sum(p == letter != g for g, p in zip(gold, preds, strict=True))
        fn = sum(g == letter != p for g, p in zip(gold, preds, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    yes = [k for k, v in options.items() if v.lower() == "yes"]
    return {
        "n": len(rows),
        "accuracy": round(sum(g == p for g, p in zip(gold, preds, strict=True)) / len(rows), 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4),
        "yes_rate": round(sum(p in yes for p in preds) / len(rows), 4),
        "gold_yes_rate": round(sum(g in yes for g in gold) / len(rows), 4),
    }


def cross_fit(rows: Sequence[Row], *, folds: int, seed: int, model: str, evidence: bool,
              views: Sequence[str] = ("letters",)) -> list[str]:
    """Each question decided by a calibrator fitted on the other folds only."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    preds = [""] * len(rows)
    for f in range(folds):
        held = set(order[f::folds])
        fitted = cal.fit_rows([r for i, r in enumerate(rows) if i not in held], model=model, evidence=evidence,
                          fitted_on=f"fold {f}", views=views)
        for i in held:
            preds[i] = cal.argmax(fitted.probs(rows[i]["scores"], cal.row_views(rows[i])))
    return preds


def decide(rows: Sequence[Row], method: str, prior: Mapping[str, float],
           fitted: cal.FittedCalibrator | None = None) -> list[str]:
    """The decisions of ``method`` over ``rows`` in order (batch: a running mean over this order)."""
    running = cal.RunningMean()
    resolved = cast(cal.Method, method)
    return [
        cal.argmax(cal.calibrated(resolved, r["scores"], r["options"], prior=prior, running=running, fitted=fitted,
                                  views=cal.row_views(r)))
        for r in rows
    ]


async def content_free_priors(deps: Deps, options: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """The model's option distribution for content-free inputs, per prompt kind (the agent's cache)."""
    choices = ChoiceCalibration(deps.settings.cache_dir, deps.settings.home / "calibration")
    out = {}
    for mode in MODES:
        evidence = mode == "rag"
        out[mode] = await choices.prior(
            deps.llm, lambda filler, e=evidence: prompts.content_free_messages(filler, options, e),  # type: ignore[misc]
            sorted(options), prompts.CHOICE_PREFIX,
        )
    return out


def evaluate(
    rows: Mapping[str, Sequence[Row]],
    priors: Mapping[str, Mapping[str, float]],
    *,
    model: str,
    folds: int,
    seed: int,
    fit_on: Mapping[str, Sequence[Row]] | None = None,
    fit_on_name: str = "",
    views: str = "all",
) -> dict[str, Any]:
    """Metrics and paired tests per mode and method; the fitted calibrators used, per mode.

    ``views``: what the fitted calibrators read: ``all`` prompt views the rows share, or ``letters`` only.
    """
    table: dict[str, dict[str, Any]] = {}
    correct: dict[tuple[str, str], list[bool]] = {}
    calibrators = {}
    for mode, mrows in rows.items():
        evidence = mode == "rag"
        for method in METHODS:
            if method == "fitted" and fit_on and fit_on.get(mode):
                fitted = cal.fit_rows(fit_on[mode], model=model, evidence=evidence, fitted_on=fit_on_name,
                                  views=cal.pick_views(views, fit_on[mode], mrows))
                calibrators[mode] = fitted.model_dump()
                preds = decide(mrows, "fitted", priors[mode], fitted)
                how = f"fitted on {fitted.fitted_on}; views {'+'.join(fitted.views)}"
            elif method == "fitted":
                used = cal.pick_views(views, mrows)
                preds = cross_fit(mrows, folds=folds, seed=seed, model=model, evidence=evidence, views=used)
                how = f"{folds}-fold cross-fitted (seed {seed}; views {'+'.join(used)})"
            else:
                preds = decide(mrows, method, priors[mode])
                how = ""
            m: dict[str, Any] = dict(class_metrics(mrows, preds))
            correct[mode, method] = [p == r["gold"] for p, r in zip(preds, mrows, strict=True)]
            m["how"] = how
            if method != "none":
                m["mcnemar_vs_none"] = mcnemar(correct[mode, "none"], correct[mode, method])
            if mode != "cot" and ("cot", method) in correct:
                m["mcnemar_vs_cot"] = mcnemar(correct["cot", method], correct[mode, method])
            table[f"{mode}/{method}"] = m
    return {"results": table, "calibrators": calibrators, "priors": {k: dict(v) for k, v in priors.items()}}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"## Calibration on MIRAGE {result['subset']} (n={result['n']}, seed {result['seed']}, "
        f"model {result['model']})",
        "",
        "| mode / calibration | accuracy | macro-F1 | yes-rate (gold) | McNemar p vs none | vs cot | fitted how |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, m in result["results"].items():
        vs_none = m.get("mcnemar_vs_none", {})
        vs_cot = m.get("mcnemar_vs_cot", {})
        lines.append(
            f"| {key} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['yes_rate']:.2f} ({m['gold_yes_rate']:.2f}) "
            f"| {_p(vs_none)} | {_p(vs_cot)} | {m['how'] or '-'} |"
        )
    lines.append("")
    lines.append("Content-free priors: " + "; ".join(
        f"{mode} " + ", ".join(f"{k}={v:.2f}" for k, v in p.items()) for mode, p in result["priors"].items()))
    return "\n".join(lines) + "\n"


def _p(test: Mapping[str, float]) -> str:
    return f"{test['p']} (+{test['only_b']}/-{test['only_a']})" if test else "-"


async def _run(settings: Settings, subset: str, limit: int | None, seed: int, fit_on: str | None, runs: Path,
               folds: int, fit_limit: int | None = None, modes: Sequence[str] = MODES,
               views: str = "all") -> dict[str, Any]:
    model = model_tag(settings)
    deps = Deps(settings)
    try:
        items = stratified_sample(load_subset(subset), limit, seed)
        journals = {m: runs / journal_name(settings, subset, model, m) for m in modes}
        rows = await run_modes(settings, items, list(modes), journals, deps=deps)
        train: dict[str, list[Row]] | None = None
        if fit_on:
            train_items = load_subset(fit_on)[:fit_limit] if fit_limit else load_subset(fit_on)
            train_journals = {m: runs / journal_name(settings, fit_on, model, m) for m in modes}
            train = await run_modes(settings, train_items, list(modes), train_journals, deps=deps)
        priors = await content_free_priors(deps, items[0]["options"])
    finally:
        deps.close()
    result = {"subset": subset, "n": len(items), "seed": seed, "model": settings.llm.model, "fit_on": fit_on,
              "views": views}
    result.update(evaluate(rows, priors, model=settings.llm.model, folds=folds, seed=seed, fit_on=train,
                           fit_on_name=fit_on or "", views=views))
    return result


@click.command()
@click.option("--subset", type=click.Choice(SUBSETS), default="pubmedqa", show_default=True)
@click.option("--limit", type=int, default=None, help="Stratified sample of N questions (seeded).")
@click.option("--seed", type=int, default=1, show_default=True, help="Sample, batch order and fold seed.")
@click.option("--fit-on", type=click.Choice(SUBSETS), default=None,
              help="Fit the calibrator on this disjoint labelled set (else cross-fit over --folds).")
@click.option("--fit-limit", type=int, default=None, help="Fit on the first N questions of --fit-on only.")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True, default=MODES, show_default=True,
              help="Prompt kinds: cot (no evidence), rag (retrieved evidence).")
@click.option("--runs", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/mirage"),
              show_default=True, help="Where eval mirage keeps its per-question journals.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/calibration"),
              show_default=True)
@click.option("--views", type=click.Choice(["all", "letters"]), default="all", show_default=True,
              help="What fitted calibrators read: every prompt view the journals hold, or the letters prompt only.")
@click.option("--index", default=None, help="Index to retrieve from (default: settings, minipubmed).")
@click.option("--json", "as_json", is_flag=True)
@with_settings(ncbi=False, index="retrieval.index")
def command(subset: str, limit: int | None, seed: int, fit_on: str | None, fit_limit: int | None, folds: int,
            modes: tuple[str, ...], runs: Path, out: Path, views: str, as_json: bool, settings: Settings) -> None:
    """Closed-answer accuracy, macro-F1 and yes-rate under each calibration (cot and rag log-probs).

    \b
    Example:
      biomedqa eval calibration --subset pubmedqa --limit 300 --seed 1 --fit-on pubmedqa-train
    """
    result = asyncio.run(_run(settings, subset, limit, seed, fit_on, runs, folds, fit_limit, modes, views))
    tag = f"{subset}-n{result['n']}-s{seed}-{model_tag(settings)}" + ("-letters" if views == "letters" else "")
    save_result(out, tag, result, markdown(result), as_json)
