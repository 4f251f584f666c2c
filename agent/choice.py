"""Deciding a closed answer from the option log-probabilities under ``agent.calibration``.

``Deps.choices`` holds one :class:`ChoiceCalibration` per run: the running means of batch calibration,
the content-free priors (asked of the model once per model, prompt and option set, then kept on disk)
and the fitted calibration files found for this model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from biomedqa.agent.calibration import (
    CONTENT_FREE,
    FittedCalibrator,
    Method,
    RunningMean,
    argmax,
    calibrated,
    find_fitted,
    mean_probs,
    option_probs,
    option_set,
)
from biomedqa.interfaces import ChatModel
from biomedqa.types import Message

logger = logging.getLogger(__name__)
PromptFor = Callable[[str], Sequence[Message]]


class Decision:
    """The chosen letter, the calibrated probabilities and the method that produced them."""

    def __init__(self, choice: str, probs: dict[str, float], method: str) -> None:
        self.choice, self.probs, self.method = choice, probs, method


class ChoiceCalibration:
    """Per-run calibration state. ``cache_dir`` keeps content-free priors; ``user_dir`` holds fitted files."""

    def __init__(self, cache_dir: Path, user_dir: Path) -> None:
        self.cache_path = cache_dir / "calibration" / "content_free_priors.json"
        self.user_dir = user_dir
        self.running = RunningMean()
        self._priors: dict[str, dict[str, float]] | None = None
        self._fitted: dict[tuple[str, tuple[str, ...], bool], FittedCalibrator | None] = {}

    def fitted(self, model: str, options: Mapping[str, str], evidence: bool) -> FittedCalibrator | None:
        key = (model, option_set(options), evidence)
        if key not in self._fitted:
            self._fitted[key] = find_fitted(model, options, evidence, self.user_dir)
        return self._fitted[key]

    def _load_priors(self) -> dict[str, dict[str, float]]:
        if self._priors is None:
            try:
                self._priors = json.loads(self.cache_path.read_text())
            except (OSError, ValueError):
                self._priors = {}
        return self._priors

    async def prior(
        self, llm: ChatModel, prompt_for: PromptFor, letters: Sequence[str], answer_prefix: str
    ) -> dict[str, float]:
        """The option distribution for content-free inputs: the mean over "N/A", "" and "[MASK]"."""
        sample = "\n".join(m.content for m in prompt_for(CONTENT_FREE[0]))
        key = hashlib.sha256(f"{llm.name}\0{answer_prefix}\0{sample}".encode()).hexdigest()[:16]
        priors = self._load_priors()
        if key not in priors:
            rows = [
                option_probs(await llm.logprob_choices(prompt_for(filler), list(letters), answer_prefix=answer_prefix))
                for filler in CONTENT_FREE
            ]
            priors[key] = mean_probs(rows)
            try:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                self.cache_path.write_text(json.dumps(priors, indent=1, sort_keys=True))
            except OSError as e:  # a read-only cache only costs the three calls again next run
                logger.info("content-free priors not saved (%s)", e)
        return priors[key]

    async def decide(
        self,
        method: str,
        llm: ChatModel,
        options: Mapping[str, str],
        scores: Mapping[str, float],
        *,
        evidence: bool,
        prompt_for: PromptFor,
        answer_prefix: str,
        views: Mapping[str, Mapping[str, float]] | None = None,
    ) -> Decision:
        """Choose the option under ``method`` (none / contextual / batch / fitted / auto)."""
        resolved: Method = "none"
        fitted = None
        if method != "none" and len(scores) >= 2:
            resolved = "batch" if method == "batch" else "contextual"
            if method in ("fitted", "auto"):
                fitted = self.fitted(llm.name, options, evidence)
                missing = [v for v in (fitted.views if fitted else []) if v != "letters" and v not in (views or {})]
                if missing:
                    logger.warning("calibration file for %s reads prompt views %s that were not scored "
                                   "(agent.choice_views=letters?): contextual calibration instead",
                                   llm.name, ", ".join(missing))
                    fitted = None
                if fitted is not None:
                    resolved = "fitted"
                elif method == "fitted":
                    logger.warning(
                        "no calibration file for %s and options %s: contextual calibration instead "
                        "(fit one with: biomedqa calibrate fit)", llm.name, "/".join(option_set(options)),
                    )
        prior = None
        if resolved in ("contextual", "batch"):
            prior = await self.prior(llm, prompt_for, list(scores), answer_prefix)
        out = calibrated(resolved, scores, options, prior=prior, running=self.running, fitted=fitted,
                         evidence=evidence, views=views)
        return Decision(argmax(out), out, resolved)
