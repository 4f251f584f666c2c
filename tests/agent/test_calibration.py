"""Calibrated closed answers: the math, the fitted files, and the graph deciding under each method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from biomedqa.agent import calibration as cal
from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Message, Passage

YN = {"A": "yes", "B": "no"}
CONTENT_FREE_MARKERS = ("Question: N/A", "Question: \nOptions", "Question: [MASK]")


class YesBiased(ScriptedChatModel):
    """Says "yes" to everything, content-free inputs most of all: p(yes) = 0.82 on real questions, 0.95 on N/A."""

    def __init__(self) -> None:
        super().__init__(replies={"explain why": "The evidence says so [1]."}, name="biased")
        self.scored: list[str] = []

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        prompt = messages[-1].content
        self.scored.append(prompt)
        p_yes = 0.95 if any(m in prompt for m in CONTENT_FREE_MARKERS) else 0.82
        probs = {"A": p_yes, "B": 1 - p_yes, "C": 0.0}
        return {c: math.log(probs[c]) if probs[c] else -math.inf for c in choices}


def test_option_probs_and_divide() -> None:
    p = cal.option_probs({"A": math.log(0.6), "B": math.log(0.2)})
    assert p == pytest.approx({"A": 0.75, "B": 0.25})
    assert cal.divide({"A": 0.75, "B": 0.25}, {"A": 0.9, "B": 0.1}) == pytest.approx({"A": 0.25, "B": 0.75})
    assert cal.option_probs({"A": -math.inf, "B": -math.inf}) == {"A": 0.5, "B": 0.5}


def test_running_mean_starts_at_the_prior_then_follows_the_run() -> None:
    run = cal.RunningMean()
    first = run.calibrate(("yes", "no"), {"A": 0.8, "B": 0.2}, {"A": 0.5, "B": 0.5})
    assert first == pytest.approx({"A": 0.8, "B": 0.2})  # only the (uniform) prior so far
    second = run.calibrate(("yes", "no"), {"A": 0.7, "B": 0.3}, {"A": 0.5, "B": 0.5})
    # mean of prior and first question = (0.65, 0.35): 0.7/0.65 vs 0.3/0.35
    assert second["A"] == pytest.approx((0.7 / 0.65) / (0.7 / 0.65 + 0.3 / 0.35))
    assert cal.argmax(second) == "A"
    third = run.calibrate(("yes", "no"), {"A": 0.6, "B": 0.4}, {"A": 0.5, "B": 0.5})
    assert cal.argmax(third) == "B"  # below the run's mean of "yes"


@pytest.mark.parametrize("options", [YN, {"A": "yes", "B": "no", "C": "maybe"}])
def test_fit_learns_a_prior_shift_and_round_trips(tmp_path: Path, options: dict[str, str]) -> None:
    rows = []
    for i in range(200):  # the model leans to A; truth is A only when p(A) is very high
        p_a = 0.55 + 0.4 * (i % 20) / 19
        gold = "A" if p_a > 0.8 else ("C" if len(options) == 3 and i % 7 == 0 else "B")
        rest = (1 - p_a) / (len(options) - 1)
        rows.append(({"letters": {k: math.log(p_a if k == "A" else rest) for k in options}}, gold))
    fitted = cal.fit(rows, model="m.gguf", options=options, evidence=True, fitted_on="synthetic", c=10.0)
    path = fitted.save(tmp_path / f"{cal.slug('m.gguf', options, True)}.json")
    again = cal.find_fitted("m.gguf", options, True, tmp_path)
    assert again is not None and path.name.startswith("m.yes-no")
    low = {k: math.log(0.6 if k == "A" else 0.4 / (len(options) - 1)) for k in options}
    high = {k: math.log(0.94 if k == "A" else 0.06 / (len(options) - 1)) for k in options}
    assert cal.argmax(again.probs(low)) == "B"
    assert cal.argmax(again.probs(high)) == "A"
    assert sum(again.probs(low).values()) == pytest.approx(1.0)
    assert cal.find_fitted("m.gguf", options, False, tmp_path) is None  # another prompt kind


def _agent(settings, model: ScriptedChatModel, method: str) -> Agent:  # type: ignore[no-untyped-def]
    s = settings.with_overrides({"agent.use_eutils": False, "agent.calibration": method, "agent.reflect": False})
    passages = [Passage(doc_id="1", pmid="1", title="t", text="CFTR mutations were not found in these patients.")]
    return Agent(deps=Deps(s, llm=model, retriever=ListRetriever(passages)))


def test_contextual_calibration_overrules_the_yes_prior(settings) -> None:  # type: ignore[no-untyped-def]
    model = YesBiased()
    raw = _agent(settings, model, "none").ask("Is CF caused by CFTR?", format="yesno")
    assert raw.choice == "A" and raw.calibration == "none"
    calibrated = _agent(settings, model, "contextual").ask("Is CF caused by CFTR?", format="yesno")
    assert calibrated.choice == "B" and calibrated.calibration == "contextual"
    assert raw.text.startswith("A. yes") and calibrated.text.startswith("B. no")  # --format gives the labels
    assert calibrated.scores == raw.scores  # the same log-probs, another decision
    assert calibrated.probs["B"] > 0.5
    # The content-free prior is asked once ("N/A", "", "[MASK]") and then read from the cache.
    n = len(model.scored)
    _agent(settings, model, "contextual").ask("Is CF caused by CFTR?", format="yesno")
    assert len(model.scored) == n + 1


def test_auto_uses_a_fitted_file_when_one_exists(settings) -> None:  # type: ignore[no-untyped-def]
    model = YesBiased()
    assert _agent(settings, model, "auto").ask("Is CF caused by CFTR?", format="yesno").calibration == "contextual"
    rows = [({"letters": {"A": math.log(p), "B": math.log(1 - p)}}, "A" if p > 0.9 else "B")
            for p in (0.6, 0.7, 0.8, 0.92, 0.97)]
    fitted = cal.fit(rows * 10, model="biased", options=YN, evidence=True, fitted_on="test", c=10.0)
    fitted.save(settings.home / "calibration" / f"{cal.slug('biased', YN, True)}.json")
    answer = _agent(settings, model, "auto").ask("Is CF caused by CFTR?", format="yesno")
    assert answer.calibration == "fitted" and answer.choice == "B"


def test_batch_calibration_follows_the_run(settings) -> None:  # type: ignore[no-untyped-def]
    agent = _agent(settings, YesBiased(), "batch")
    answers = [agent.ask("Is CF caused by CFTR?", format="yesno") for _ in range(3)]
    assert {a.calibration for a in answers} == {"batch"}
    assert answers[0].choice == "B"  # first question: the content-free prior (0.95 yes) is the whole mean
    # Later questions are divided by a mean that moves from the prior (0.95) towards the run's own 0.82.
    p_yes = [a.probs["A"] for a in answers]
    assert p_yes[0] < p_yes[1] < p_yes[2] < 0.5
    assert p_yes[2] == pytest.approx((0.82 / 0.8633) / (0.82 / 0.8633 + 0.18 / 0.1367), abs=1e-3)


def test_batch_key_pools_multiple_choice_questions_by_letters() -> None:
    assert cal.batch_key(YN) == ("yes", "no")
    assert cal.batch_key({"A": "aspirin", "B": "heparin"}) == cal.batch_key({"A": "CFTR", "B": "ENaC"})
    run = cal.RunningMean()
    biased = {"A": 0.7, "B": 0.3}
    for texts in (("aspirin", "heparin"), ("CFTR", "ENaC"), ("x", "y")):
        last = run.calibrate(cal.batch_key(dict(zip("AB", texts, strict=True))), biased, {"A": 0.5, "B": 0.5})
    assert last["A"] < 0.7  # the letter bias seen on earlier questions is divided out


class WordsSayNo(YesBiased):
    """The letters prompt says "yes" (0.82) to everything; the word views answer "no" (0.65 over both cases)."""

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        if "A. yes" in messages[-1].content:
            return await super().logprob_choices(messages, choices, answer_prefix=answer_prefix)
        self.scored.append(messages[-1].content)
        words = {"yes": 0.25, "Yes": 0.1, "no": 0.5, "No": 0.15}
        return {c: math.log(words[c]) for c in choices}


def test_a_calibrator_reads_the_views_it_was_fitted_on() -> None:
    rows = []
    for i in range(120):  # the letters prompt is noise; the "words" view carries the answer
        gold = "A" if i % 3 else "B"
        p_word = 0.7 if gold == "A" else 0.3
        p_letter = 0.6 + 0.3 * ((i * 7) % 11) / 10
        rows.append(({"letters": {"A": math.log(p_letter), "B": math.log(1 - p_letter)},
                      "words": {"A": math.log(p_word), "B": math.log(1 - p_word)}}, gold))
    fitted = cal.fit(rows, model="m", options=YN, evidence=True, fitted_on="t", views=["letters", "words"])
    assert fitted.views == ["letters", "words"]
    yes_letters = {"A": math.log(0.9), "B": math.log(0.1)}
    assert cal.argmax(fitted.probs(yes_letters, {"words": {"A": math.log(0.3), "B": math.log(0.7)}})) == "B"
    assert cal.argmax(fitted.probs(yes_letters, {"words": {"A": math.log(0.7), "B": math.log(0.3)}})) == "A"
    with pytest.raises(KeyError, match="words"):
        fitted.probs(yes_letters)
    # A run row keeps the letters prompt in "scores" and the other views in "views".
    row = {"scores": rows[0][0]["letters"], "views": {"words": rows[0][0]["words"]}}
    assert cal.row_views(row) == rows[0][0]
    assert cal.shared_views([row, {"scores": row["scores"], "views": {}}]) == ["letters"]


def test_the_agent_scores_the_views_its_calibration_file_reads(settings) -> None:  # type: ignore[no-untyped-def]
    model = WordsSayNo()
    every = _agent(settings.with_overrides({"agent.choice_views": "all"}), model, "none")
    raw = every.ask("Is CF caused by CFTR?", format="yesno")
    assert raw.choice == "A" and set(raw.view_scores) == {"words", "words_bare", "conclude"}
    assert raw.view_scores["words"] == pytest.approx({"A": math.log(0.35), "B": math.log(0.65)})
    assert any("What do the authors conclude? Answer yes or no." in p for p in model.scored)
    # A file fitted on letters + words: auto scores the words view only, and follows it.
    rows = [({"letters": {"A": math.log(0.82), "B": math.log(0.18)},
              "words": {"A": math.log(p), "B": math.log(1 - p)}}, "A" if p > 0.5 else "B")
            for p in (0.2, 0.35, 0.45, 0.55, 0.7, 0.8)] * 10
    cal.fit(rows, model="biased", options=YN, evidence=True, fitted_on="t", views=["letters", "words"]).save(
        settings.home / "calibration" / f"{cal.slug('biased', YN, True)}.json")
    model.scored.clear()
    auto = _agent(settings, model, "auto").ask("Is CF caused by CFTR?", format="yesno")
    assert auto.calibration == "fitted" and auto.choice == "B" and set(auto.view_scores) == {"words"}
    assert not any("conclude" in p for p in model.scored)
    # Without the views it reads, the file is not used (contextual calibration instead).
    letters = _agent(settings.with_overrides({"agent.choice_views": "letters"}), model, "auto")
    assert letters.ask("Is CF caused by CFTR?", format="yesno").calibration == "contextual"
