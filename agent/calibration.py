"""Calibrated closed answers: the option the agent picks stops following the model's prior.

A small model answers "yes" to nearly every yes/no question: the raw option log-probabilities carry a
bias that does not depend on the question. ``agent.calibration`` chooses how it is removed:

- ``none``: the option with the highest log-probability.
- ``contextual``: divide out the option distribution the model gives for content-free inputs
  ("N/A", "", "[MASK]" in place of the question and the evidence; Zhao et al., 2021).
- ``batch``: divide by the running mean of the option probabilities over this run's earlier
  questions, the content-free prior counting as the first of them (Zhou et al., 2024).
- ``fitted``: a multinomial logistic regression over the option log-probabilities, fitted per model,
  option set and prompt kind by ``biomedqa calibrate fit`` on labelled questions.
- ``auto``: ``fitted`` when a calibration file exists for this model and option set, else ``contextual``.

Every function here is pure numpy on ``{letter: log-probability}`` mappings, so the evaluation
calibrates logged scores with the same code the agent runs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

Method = Literal["none", "contextual", "batch", "fitted"]
CONTENT_FREE = ("N/A", "", "[MASK]")
SHIPPED = Path(__file__).parent / "calibration_data"


def option_probs(scores: Mapping[str, float]) -> dict[str, float]:
    """Softmax of the option log-probabilities over the options only."""
    if not scores:
        return {}
    top = max(scores.values())
    if top == -math.inf:
        return {k: 1.0 / len(scores) for k in scores}
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    z = sum(exp.values())
    return {k: v / z for k, v in exp.items()}


def divide(probs: Mapping[str, float], prior: Mapping[str, float]) -> dict[str, float]:
    """``p(option) / prior(option)``, renormalised; an option the prior lacks keeps its probability."""
    raw = {k: p / max(prior.get(k, 1.0), 1e-12) for k, p in probs.items()}
    z = sum(raw.values()) or 1.0
    return {k: v / z for k, v in raw.items()}


def mean_probs(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of several option distributions over the same options."""
    keys = list(rows[0]) if rows else []
    return {k: sum(r.get(k, 0.0) for r in rows) / len(rows) for k in keys}


def argmax(probs: Mapping[str, float]) -> str:
    return max(probs, key=probs.__getitem__)


class RunningMean:
    """Batch calibration's state: the mean option distribution of a run's questions so far, per option set."""

    def __init__(self) -> None:
        self._sums: dict[tuple[str, ...], dict[str, float]] = {}
        self._counts: dict[tuple[str, ...], int] = {}

    def calibrate(
        self, key: tuple[str, ...], probs: Mapping[str, float], prior: Mapping[str, float] | None
    ) -> dict[str, float]:
        """Divide by the mean of the earlier questions (the prior counts as one), then add this question."""
        sums = self._sums.setdefault(key, dict.fromkeys(probs, 0.0))
        n = self._counts.get(key, 0)
        base = dict(prior) if prior else {k: 1.0 / len(probs) for k in probs}
        mean = {k: (sums.get(k, 0.0) + base.get(k, 0.0)) / (n + 1) for k in probs}
        out = divide(probs, mean)
        for k, p in probs.items():
            sums[k] = sums.get(k, 0.0) + p
        self._counts[key] = n + 1
        return out


def option_set(options: Mapping[str, str]) -> tuple[str, ...]:
    """The option texts in letter order, lower-cased: ("yes", "no", "maybe")."""
    return tuple(options[k].strip().lower() for k in sorted(options))


def batch_key(options: Mapping[str, str]) -> tuple[str, ...]:
    """Which questions share a running mean: the same yes/no(/maybe) set, else the same option letters
    (multiple-choice questions each have their own option texts, but the letter bias is shared)."""
    texts = option_set(options)
    return texts if set(texts) <= {"yes", "no", "maybe"} else ("letters", *sorted(options))


def calibrated(
    method: Method,
    scores: Mapping[str, float],
    options: Mapping[str, str],
    *,
    prior: Mapping[str, float] | None = None,
    running: RunningMean | None = None,
    fitted: FittedCalibrator | None = None,
    evidence: bool = True,
    views: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, float]:
    """The option probabilities under one resolved method: the one rule the agent and the evaluation share.

    ``contextual`` and ``batch`` need the content-free ``prior``, ``batch`` a ``running`` mean, ``fitted`` a
    calibrator (and the scores of the other prompt ``views`` it was fitted on).
    """
    probs = option_probs(scores)
    if method == "none":
        return probs
    if method == "fitted":
        assert fitted is not None, "fitted calibration needs a calibrator"
        return fitted.probs(scores, views)
    assert prior is not None, f"{method} calibration needs the content-free prior"
    if method == "batch":
        assert running is not None, "batch calibration needs the run's running mean"
        return running.calibrate((*batch_key(options), str(evidence)), probs, prior)
    return divide(probs, prior)


def slug(model: str, options: Mapping[str, str], evidence: bool) -> str:
    """File stem of a calibration: model, option set and prompt kind (with or without evidence)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model).name.removesuffix(".gguf"))
    texts = "-".join(re.sub(r"[^a-z0-9]+", "_", t) for t in option_set(options))
    return f"{name}.{texts}.{'evidence' if evidence else 'no-evidence'}"


class FittedCalibrator(BaseModel):
    """A multinomial logistic regression over the option log-probabilities (normalised over the options),
    of the letters prompt and of any other prompt views (framings) it was fitted on."""

    model: str = Field(description="The GGUF model the log-probabilities came from")
    options: list[str] = Field(description="Option texts in letter order, lower-cased; the classes")
    evidence: bool = Field(description="Fitted on prompts with evidence (rag/agent) or without (cot)")
    mean: list[float]
    scale: list[float]
    coef: list[list[float]] = Field(description="One row of weights per option letter")
    intercept: list[float]
    fitted_on: str = Field(description="What the labelled questions were, e.g. 'pubmedqa-train (n=500)'")
    n: int
    views: list[str] = Field(
        default_factory=lambda: ["letters"],
        description="The prompt framings whose option log-probs are the inputs, in order (agent.prompts.VIEWS)",
    )

    def probs(self, scores: Mapping[str, float], views: Mapping[str, Mapping[str, float]] | None = None,
              ) -> dict[str, float]:
        letters = sorted(scores)
        x = view_features({**(views or {}), "letters": scores}, self.views)
        z = [(v - m) / s for v, m, s in zip(x, self.mean, self.scale, strict=True)]
        logits = [sum(c * v for c, v in zip(row, z, strict=True)) + b
                  for row, b in zip(self.coef, self.intercept, strict=True)]
        return option_probs(dict(zip(letters, logits, strict=True)))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2))
        return path


def features(scores: Mapping[str, float]) -> list[float]:
    """The calibrator's inputs: each option's log-probability, normalised over the options, in letter order."""
    p = option_probs(scores)
    return [math.log(max(p[k], 1e-12)) for k in sorted(p)]


def view_features(views: Mapping[str, Mapping[str, float]], names: Sequence[str]) -> list[float]:
    """The features of each named view in turn ("letters" is the letters prompt's scores)."""
    missing = [v for v in names if v not in views]
    if missing:
        raise KeyError(f"calibrator needs prompt views {missing} that were not scored")
    return [x for v in names for x in features(views[v])]


def row_views(row: Mapping[str, object]) -> dict[str, Mapping[str, float]]:
    """A run row's scores per view: ``scores`` is the letters prompt, ``views`` holds the others."""
    views = row.get("views") or {}
    assert isinstance(views, Mapping)
    return {"letters": cast("Mapping[str, float]", row["scores"]), **views}


def shared_views(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """The views every row was scored under, letters first: what a calibrator fitted on them can use."""
    if not rows:
        return ["letters"]
    common = set.intersection(*(set(row_views(r)) for r in rows))
    return [v for v in row_views(rows[0]) if v in common]


def fit(
    rows: Sequence[tuple[Mapping[str, Mapping[str, float]], str]], *, model: str, options: Mapping[str, str],
    evidence: bool, fitted_on: str, c: float = 1.0, views: Sequence[str] = ("letters",),
) -> FittedCalibrator:
    """Fit on ``({view: scores}, gold letter)`` pairs over ``views`` (scikit-learn's LogisticRegression;
    inference is plain numpy)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    letters = sorted(options)
    x = np.array([view_features(s, views) for s, _ in rows], dtype=np.float64)
    y = np.array([letters.index(g) for _, g in rows])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mean) / scale, y)
    # One row of weights per option letter; binary sklearn models score only their second class.
    present = [int(k) for k in clf.classes_]
    rows_w = clf.coef_.tolist() if len(present) > 2 else [[0.0] * x.shape[1], clf.coef_[0].tolist()]
    rows_b = clf.intercept_.tolist() if len(present) > 2 else [0.0, float(clf.intercept_[0])]
    coef = [[0.0] * x.shape[1] for _ in letters]
    intercept = [-20.0] * len(letters)  # an option never seen in training stays unlikely
    for cls, w, b in zip(present, rows_w, rows_b, strict=True):
        coef[cls], intercept[cls] = w, b
    return FittedCalibrator(
        model=model, options=list(option_set(options)), evidence=evidence, mean=mean.tolist(), scale=scale.tolist(),
        coef=coef, intercept=intercept, fitted_on=fitted_on, n=len(rows), views=list(views),
    )


def fit_rows(rows: Sequence[Mapping[str, Any]], *, model: str, evidence: bool, fitted_on: str,
             views: Sequence[str] = ("letters",)) -> FittedCalibrator:
    """Fit on run rows (``eval mirage`` / ``calibrate fit`` journals: options, gold, scores, views)."""
    return fit([(row_views(r), r["gold"]) for r in rows], model=model, options=rows[0]["options"],
               evidence=evidence, fitted_on=f"{fitted_on} (n={len(rows)})", views=views)


def pick_views(which: str, *groups: Sequence[Mapping[str, Any]]) -> list[str]:
    """``letters``: the letters prompt only; ``all``: every prompt view all the rows were scored under."""
    return ["letters"] if which == "letters" else shared_views([r for g in groups for r in g])


def find_fitted(model: str, options: Mapping[str, str], evidence: bool, user_dir: Path) -> FittedCalibrator | None:
    """The user's own calibration file for this model and option set, else the shipped one, else None."""
    stem = slug(model, options, evidence)
    for folder in (user_dir, SHIPPED):
        path = folder / f"{stem}.json"
        if path.is_file():
            return FittedCalibrator.model_validate(json.loads(path.read_text()))
    return None
