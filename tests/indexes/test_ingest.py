from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from biomedqa.errors import InputError
from biomedqa.indexes.chunk import chunk_record, chunk_records, word_windows
from biomedqa.indexes.ingest import IngestReport, Record, detect_format, iter_records


def test_jsonl_reports_bad_lines_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"pmid": "1", "title": "A", "text": "alpha"}\n'
        "{not json\n"
        '{"title": "no id"}\n'
        '{"id": "doc-x", "text": "plain id"}\n'
    )
    report = IngestReport()
    recs = list(iter_records([path], report))
    assert [r.id for r in recs] == ["1", "doc-x"]
    assert recs[0].pmid == "1" and recs[1].pmid is None
    assert report.skipped == 2
    assert report.problems[0].startswith(f"{path}:2:")
    assert report.problems[1].startswith(f"{path}:3:") and "no id" in report.problems[1]
    assert "skipped 2" in report.summary()


def test_truncated_gzip_keeps_records_before_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    body = "".join(json.dumps({"pmid": str(i), "title": f"t{i}", "text": "x " * 50}) + "\n" for i in range(2000))
    data = gzip.compress(body.encode())
    path.write_bytes(data[: len(data) // 2])
    report = IngestReport()
    recs = list(iter_records([path], report))
    assert 0 < len(recs) < 2000
    assert report.skipped == 1 and "truncated" in report.problems[0]


def test_scifact_style_records(tmp_path: Path) -> None:
    path = tmp_path / "sf.jsonl"
    path.write_text(json.dumps({"doc_id": 4983, "title": "T", "abstract": ["One.", "Two."]}) + "\n")
    (rec,) = list(iter_records([path], IngestReport()))
    assert rec == Record(id="4983", title="T", text="One. Two.", pmid="4983")


def test_pubmed_xml_and_medline_fixtures(shared_data: Path) -> None:
    report = IngestReport()
    xml = list(iter_records([shared_data / "eutils_fixtures/biopython_Tests_Entrez/pubmed2.xml"], report))
    assert [r.pmid for r in xml] == ["11748933", "11700088"]
    assert xml[0].year == 2001 and len(xml[0].text) > 500 and xml[0].title
    med = list(iter_records([shared_data / "eutils_fixtures/biopython_Tests_Medline/pubmed_result2.txt"], report))
    assert len(med) == 4 and med[0].pmid == "16403221" and med[0].text
    assert report.skipped == 0 and report.files == 2


def test_broken_xml_is_reported_not_raised(tmp_path: Path, shared_data: Path) -> None:
    src = (shared_data / "eutils_fixtures/biopython_Tests_Entrez/pubmed2.xml").read_bytes()
    cut = src.index(b"</PubmedArticle>") + len(b"</PubmedArticle>") + 40
    path = tmp_path / "broken.xml"
    path.write_bytes(src[:cut])
    report = IngestReport()
    recs = list(iter_records([path], report))
    assert [r.pmid for r in recs] == ["11748933"]
    assert report.skipped == 1 and "XML parsing stopped" in report.problems[0]


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    odd = tmp_path / "x.bin"
    odd.write_bytes(b"\x00\x01garbage")
    with pytest.raises(InputError, match="unknown corpus format"):
        detect_format(odd)
    with pytest.raises(InputError, match="does not exist"):
        list(iter_records([tmp_path / "nope.jsonl"], IngestReport()))


def test_word_windows_overlap_and_no_tiny_tail() -> None:
    words = [str(i) for i in range(500)]
    spans = word_windows(words, 220, 40)
    assert spans[0] == (0, 220) and spans[1][0] == 180
    assert spans[-1][1] == 500 and all(b - a <= 220 + 110 for a, b in spans)
    assert word_windows(words[:100], 220, 40) == [(0, 100)]
    assert word_windows(words, 0, 40) == [(0, 500)]  # chunking off


def test_chunk_ids_keep_pmid_and_title() -> None:
    rec = Record(id="123", title="Title", text=" ".join(["w"] * 600), pmid="123")
    docs = chunk_record(rec, 220, 40)
    assert [d.doc_id for d in docs] == [f"123#{i}" for i in range(1, len(docs) + 1)]
    assert all(d.pmid == "123" and d.title == "Title" for d in docs)
    assert docs[0].embed_text().startswith("Title. ")
    short = Record(id="9", title="", text="short")
    assert [d.doc_id for d in chunk_records([short, short], 220, 40)] == ["9"]  # duplicate id dropped
