"""eval calibration: metrics, decisions and cross-fitting on logged option log-probs."""

from __future__ import annotations

import math
import random

from biomedqa.eval.runners.calibration import class_metrics, cross_fit, decide, evaluate, markdown

PQA = {"A": "yes", "B": "no", "C": "maybe"}


def _rows(n: int, seed: int) -> list[dict]:
    """A yes-biased model: p(yes) is high for every question, a little higher when the truth is yes."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        gold = "A" if i % 5 < 3 else ("B" if i % 5 < 4 else "C")
        p_yes = min(0.97, max(0.5, rng.gauss(0.85 if gold == "A" else 0.7, 0.05)))
        p_no = (1 - p_yes) * (0.8 if gold != "C" else 0.5)
        scores = {"A": math.log(p_yes), "B": math.log(p_no), "C": math.log(1 - p_yes - p_no)}
        rows.append({"qid": str(i), "gold": gold, "options": PQA, "scores": scores})
    return rows


def test_class_metrics() -> None:
    rows = [{"gold": g, "options": PQA} for g in "AABC"]
    m = class_metrics(rows, ["A", "A", "A", "A"])
    assert m["accuracy"] == 0.5 and m["yes_rate"] == 1.0 and m["gold_yes_rate"] == 0.5
    assert m["macro_f1"] == round((2 * 2 / (4 + 2)) / 3, 4)


def test_calibration_undoes_the_prior_and_fitted_is_never_scored_on_its_training_rows() -> None:
    rows = _rows(200, 1)
    prior = {"A": 0.8, "B": 0.15, "C": 0.05}
    assert set(decide(rows, "none", prior)) == {"A"}
    assert "B" in decide(rows, "contextual", prior)
    preds = cross_fit(rows, folds=5, seed=1, model="m", evidence=True)
    assert len(preds) == len(rows) and all(p in PQA for p in preds)
    result = evaluate({"cot": rows, "rag": _rows(200, 2)}, {"cot": prior, "rag": prior}, model="m", folds=5, seed=1)
    table = result["results"]
    assert table["rag/none"]["yes_rate"] == 1.0
    assert table["rag/fitted"]["accuracy"] > table["rag/none"]["accuracy"]
    assert table["rag/fitted"]["how"].startswith("5-fold")
    assert "mcnemar_vs_none" in table["rag/contextual"] and "mcnemar_vs_cot" in table["rag/none"]
    # A disjoint fitting set is used as given, and reported.
    fitted = evaluate({"rag": rows}, {"rag": prior}, model="m", folds=5, seed=1, fit_on={"rag": _rows(100, 3)},
                      fit_on_name="train")
    assert fitted["results"]["rag/fitted"]["how"] == "fitted on train (n=100); views letters"
    assert fitted["calibrators"]["rag"]["n"] == 100
    text = markdown({"subset": "pubmedqa", "n": 200, "seed": 1, "model": "m", **result})
    assert "| rag/fitted |" in text and "Content-free priors" in text
