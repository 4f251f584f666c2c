"""The claim verifier on real mini-PubMed records: facts must be in the cited passage, defects are refused."""

from __future__ import annotations

import gzip
import json

import pytest

from biomedqa.agent import facts
from biomedqa.agent.verify import check_claim, defect, verify_claim
from biomedqa.shared_data import shared_path
from biomedqa.testing import ScriptedChatModel
from biomedqa.types import Passage


@pytest.fixture(scope="module")
def records() -> dict[str, Passage]:
    want = {"11867487", "28293123", "12068831"}
    out = {}
    with gzip.open(shared_path("derived", "minipubmed", "corpus.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["pmid"] in want:
                out[r["pmid"]] = Passage(doc_id=r["pmid"], pmid=r["pmid"], title=r["title"], text=r["text"])
    assert set(out) == want
    return out


def values(text: str) -> list[float]:
    return [n.value for n in facts.numbers(text)]


def test_the_digit_of_a_word_is_not_a_number() -> None:
    assert [n.value for n in facts.numbers("3D optical coherence tomography and 2D gels")] == []
    assert [n.value for n in facts.numbers("the 3rd trial was 4x faster in 5mg doses")] == [3, 4, 5]
    assert [n.value for n in facts.numbers("Dako's IHC 22C3 and 1,272 patients")] == [1272]


def test_numbers_are_normalised() -> None:
    assert values("84k") == values("84,000") == values("84 thousand") == [84000.0]
    assert values("5e-8") == values("5×10⁻⁸") == values("5 x 10^-8") == values("5 × 10-8") == [pytest.approx(5e-8)]
    assert facts.numbers("45 %")[0].unit == facts.numbers("45 percent")[0].unit == "%"
    assert values("BRCA1, IL-6 and COVID-19 in rs7412 carriers") == []  # numbers inside names are names
    assert facts.names("BRCA1, IL-6 and COVID-19 in rs7412 carriers") == ["BRCA1", "IL-6", "COVID-19", "rs7412"]
    assert values("10-20 years") == [10.0, 20.0] and values("two doses") == [2.0]
    assert facts.numbers("45")[0].matches(facts.numbers("45.3")[0])  # a rounding of the passage's value
    assert not facts.numbers("45 mg")[0].matches(facts.numbers("45 %")[0])


def test_real_sentence_supported_changed_ones_not(records: dict[str, Passage]) -> None:
    rugby = [records["11867487"]]
    real = "Although the players tended to believe that the headgear could prevent concussion (62%), the coaches were less convinced (33%)."  # noqa: E501
    assert check_claim(real + " [1]", rugby).verdict == "supported"
    assert "(33%)" in check_claim("The coaches were less convinced (33%).", rugby).quote  # numbers pick the quote
    number = check_claim(real.replace("33%", "38%"), rugby)
    assert number.verdict == "unsupported" and "number 38%" in number.reason
    negation = check_claim("The players did not believe that the headgear could prevent concussion (62%).", rugby)
    assert negation.verdict == "unsupported" and "negation" in negation.reason
    dropped = check_claim("Nontriploid partial moles probably exist.", [records["12068831"]])
    assert dropped.verdict == "unsupported" and "drops a negation" in dropped.reason
    swapped = check_claim(
        "Pembrolizumab required a companion diagnostic test to assess EGFR status.", [records["28293123"]]
    )
    assert swapped.verdict == "partial" and swapped.capped and "name EGFR" in swapped.reason
    paraphrase = check_claim(
        "Pembrolizumab required a companion diagnostic test to assess PD-L1 status.", [records["28293123"]]
    )
    assert paraphrase.verdict == "supported" and "PD-L1 status" in paraphrase.quote


RESTATES = "restates the question instead of answering it"
POLAR = "Should oral agents be continued when starting insulin?"
SHARE = "What percentage of rheumatoid arthritis patients do not respond to anti-TNF therapy?"
CHOICE = "Is METTL3 an m6A writer, reader or eraser?"


@pytest.mark.parametrize(
    ("question", "sentence", "why"),
    [
        ("Which test assesses PD-L1 status for pembrolizumab?", "A test assesses PD-L1 status for pembrolizumab [1].",
         RESTATES),
        (POLAR, "Yes, oral agents should be continued when starting insulin [1].", None),
        (POLAR, "Oral agents should be continued when starting insulin [1].", RESTATES),
        (SHARE, "30% of rheumatoid arthritis patients do not respond to anti-TNF therapy [1].", None),  # a new number
        (SHARE, "Rheumatoid arthritis patients do not respond to anti-TNF therapy [1].", RESTATES),
        (CHOICE, "METTL3 is an m6A writer [2].", None),  # picks one of the alternatives offered
        (CHOICE, "METTL3 is an m6A writer, reader or eraser [2].", RESTATES),
        ("Is PPROM a condition that occurs in males or females?", "PPROM is a condition that occurs in females [3].",
         None),
    ],
)
def test_restating_the_question_is_not_an_answer(question: str, sentence: str, why: str | None) -> None:
    assert defect(sentence, question=question) == why


def test_defects_are_refused() -> None:
    q = "Which test assesses PD-L1 status for pembrolizumab?"
    assert defect("[1] assesses PD-L1 status for pembrolizumab.", question=q) is not None
    assert defect("signatureSearch is an R/Bioconductor package for signature searching [1].") is None
    assert defect("mTOR inhibition reduced growth [1].") is None
    assert defect("and reduced growth in mice [1].") == "has no subject (starts mid-sentence)"
    assert defect("Evidence: [1] (PMID 28293123) <<<The initial approval>>>") is not None
    assert defect("1, 2, 3 [1].") == "has no subject (a bare list or fragment)"
    first = "Dako's IHC 22C3 assesses PD-L1 status [1]."
    assert defect(first, question=q) is None
    assert defect(first, question=q, earlier=[first]) == "repeats an earlier sentence"


async def test_model_decides_open_cases_but_cannot_lift_missing_names(records: dict[str, Passage]) -> None:
    llm = ScriptedChatModel({"Does the evidence support": '{"verdict": "supported"}'})
    doc = [records["28293123"]]
    reworded, evs = await verify_claim(
        "Pembrolizumab approval relied on a companion diagnostic for PD-L1.", doc, llm=llm
    )
    assert reworded.verdict == "supported" and reworded.by_model and len(evs) == 1
    swapped, _ = await verify_claim("Pembrolizumab required a companion test to assess EGFR status.", doc, llm=llm)
    assert swapped.verdict == "partial" and swapped.by_model
    refused, evs = await verify_claim("Pembrolizumab required 3 companion tests.", doc, llm=llm)
    assert refused.verdict == "unsupported" and evs == []  # a missing number never reaches the model


def test_leading_markers_move_to_the_end_only_before_a_subject() -> None:
    from biomedqa.agent.citations import trailing_refs

    assert trailing_refs("[1] There are four sites. [2] The fifth is 3 kb away.") == (
        "There are four sites [1]. The fifth is 3 kb away [2]."
    )
    restating = "[1] uses X to do Y. [2] uses X to do Y."
    assert trailing_refs(restating) == restating and defect(restating) is not None
    assert trailing_refs("Plain [1]. Text [2].") == "Plain [1]. Text [2]."
    assert trailing_refs("[1] 8 copies of LBX are found in teleosts.") == "8 copies of LBX are found in teleosts [1]."


def test_brackets_inside_names_are_not_evidence_markers() -> None:
    from biomedqa.agent.citations import refs_in, render

    p = Passage(doc_id="29790933", pmid="29790933", text="G1P[8] was the predominant genotype.")
    s = "The predominant genotype was G1P[8]. [1]"
    assert refs_in(s, 9) == [1]
    assert render(s, [1], [p]) == "The predominant genotype was G1P[8] [PMID:29790933]."


def test_a_name_inside_a_hyphenated_compound_is_found() -> None:
    doc = [Passage(doc_id="31846723", pmid="31846723", text=(
        "Southeast Asians exhibit a higher prevalence of CYP2C19-poor metabolisers compared with East Asians."))]
    found = check_claim("Southeast Asians have more CYP2C19 poor metabolisers than East Asians [1].", doc)
    assert "name CYP2C19" not in found.reason
    swapped = check_claim("Southeast Asians have more CYP2D6 poor metabolisers than East Asians [1].", doc)
    assert swapped.verdict != "supported" and "name CYP2D6" in swapped.reason
