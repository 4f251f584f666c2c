"""eval bioasq-qa: BioASQ exact-answer scoring (factoid strict/lenient/MRR, list P/R/F1) on real gold answers."""

from __future__ import annotations

from pathlib import Path

from biomedqa.eval.runners.bioasq_qa import load_questions, markdown, matches, score, summarize


def test_matching_is_normalised_and_contains_is_opt_in() -> None:
    assert matches("The PD-L1 status.", ["PD-L1 status"], "exact")
    assert not matches("PD-L1", ["PD-L1 status"], "exact") and matches("PD-L1", ["PD-L1 status"], "contains")
    assert not matches("PD", ["PD-L1 status"], "contains")  # too short to count as contained


def test_factoid_and_list_scores() -> None:
    fact = {"type": "factoid", "gold": [["CFTR", "cystic fibrosis transmembrane conductance regulator"]]}
    assert score({**fact, "names": ["CFTR", "ENaC"]}, "exact") == {"strict": 1.0, "lenient": 1.0, "mrr": 1.0}
    assert score({**fact, "names": ["ENaC", "cftr"]}, "exact") == {"strict": 0.0, "lenient": 1.0, "mrr": 0.5}
    assert score({**fact, "names": []}, "exact")["lenient"] == 0.0
    lst = {"type": "list", "gold": [["Warts"], ["Infections"], ["Myelokathexis"], ["Hypogammaglobulinemia"]]}
    s = score({**lst, "names": ["warts", "infections", "fever"]}, "exact")
    assert s["precision"] == 2 / 3 and s["recall"] == 0.5
    assert round(s["f1"], 4) == round(2 * (2 / 3 * 0.5) / (2 / 3 + 0.5), 4)


def test_real_questions_load_without_11b(shared_data: Path) -> None:
    qs = load_questions("list", 30, 3)
    assert len(qs) == 30 and all(q["gold"] and all(g for g in q["gold"]) for q in qs)
    assert load_questions("list", 30, 3) == qs  # seeded


def test_summary_pairs_the_modes() -> None:
    gold = [["CFTR"]]
    rows = [
        {"qid": "1", "type": "factoid", "gold": gold, "mode": "agent", "names": ["CFTR"], "seconds": 3.0},
        {"qid": "1", "type": "factoid", "gold": gold, "mode": "rag", "names": ["ENaC", "CFTR"], "seconds": 2.0},
        {"qid": "2", "type": "factoid", "gold": gold, "mode": "agent", "names": [], "seconds": 5.0},
    ]
    summary = summarize(rows)
    assert summary["factoid"]["n"] == 1  # question 2 has no rag row yet
    assert summary["factoid"]["agent"]["exact"]["strict"] == 1.0 and summary["factoid"]["rag"]["exact"]["mrr"] == 0.5
    assert "| agent | exact | 1.000 | 1.000 | 1.000 | 3.0 |" in markdown({"seed": 3, "model": "m", "summary": summary})
