"""PubMed abstracts read the same from E-utilities (the live path, ``pubmed_fetch``) as from a local index:
Bio.Entrez keeps inline markup (``<b>Background:</b>``, ``<i>TERT</i>``, ``kg/m<sup>2</sup>``, MathML) as text,
which reached the model, the BM25 ranking of live candidates and the citation quotes; the index's reader
(ElementTree ``itertext``) never had it. Checked on every recorded PubMed efetch body."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from biomedqa.indexes.ingest import IngestReport, read_pubmed_xml
from biomedqa.tools.eutils.parse import parse_xml
from biomedqa.tools.eutils.pubmed import articles_to_passages, plain

BIOPYTHON = ["pubmed1.xml", "pubmed2.xml", "pubmed4.xml", "pubmed5.xml", "pubmed6.xml", "pubmed7.xml"]


def recorded_bodies(shared: Path) -> dict[str, bytes]:
    with gzip.open(shared / "eutils_fixtures/biocommons_eutils_interactions.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f]
    out = {f"efetch pubmed {r['params']['id']}": r["response_body"].encode() for r in rows
           if "efetch" in r["uri"] and r["params"].get("db") == "pubmed"}
    out |= {name: (shared / "eutils_fixtures/biopython_Tests_Entrez" / name).read_bytes() for name in BIOPYTHON}
    return out


def test_plain_drops_tags_not_comparisons() -> None:
    assert plain("<b>Background:</b> BMI in kg/m<sup>2</sup>, <i>P</i> < 0.001, age <5 years") == \
        "Background: BMI in kg/m2, P < 0.001, age <5 years"
    assert plain('<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:mi>x</mml:mi></mml:math>\n y') == "x y"


def test_eutils_abstracts_match_the_index_reader(shared_data: Path, tmp_path: Path) -> None:
    bodies = recorded_bodies(shared_data)
    assert len(bodies) == 12
    marked = 0
    for name, body in bodies.items():
        live = {p.pmid: p for p in articles_to_passages(parse_xml(body))}
        (xml := tmp_path / "batch.xml").write_bytes(body)
        indexed = {r.pmid: r for r in read_pubmed_xml(xml, IngestReport())}
        assert set(live) == set(indexed) and live, name
        for pmid, p in live.items():
            assert (p.title, p.text) == (indexed[pmid].title, indexed[pmid].text or indexed[pmid].title), (name, pmid)
        marked += re.search(rb"<(b|i|sup|sub|u|math|mml:math)[ >]", body) is not None
    assert marked == 5  # 29915538, pubmed4, pubmed5, pubmed6 (HTML and MathML), pubmed7 (MathML) carry markup


@pytest.mark.parametrize("pmid", ["29915538"])
def test_the_semaglutide_abstract_reads_plainly(shared_data: Path, pmid: str) -> None:
    body = recorded_bodies(shared_data)[f"efetch pubmed {pmid}"]
    (p,) = articles_to_passages(parse_xml(body))
    assert p.text.startswith("Background: Semaglutide, a newly once-weekly") and "<" not in p.text.replace(" < ", "")
    assert "kg/m2" in p.text and "glycosylated hemoglobin" in p.text
