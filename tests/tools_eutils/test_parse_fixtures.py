"""Every recorded Biopython E-utilities file parses, or fails as a typed error (never a crash)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from biomedqa.errors import ConfigError, NCBIResponseError
from biomedqa.shared_data import shared_data_dir
from biomedqa.tools.eutils.parse import parse_json, parse_xml, salvage_esummary

try:
    FIXTURES = shared_data_dir() / "eutils_fixtures"
except ConfigError as e:  # a clone without ../shared/data: the recorded fixtures are not there
    pytest.skip(f"needs ../shared/data: {e.message}", allow_module_level=True)
FILES = sorted(
    p for d in ("biopython_Tests_Entrez", "biopython_Tests_Entrez_removed") for p in (FIXTURES / d).iterdir()
)
ERRORS = {"epost2.xml": "error", "epost3.xml": "error", "esummary8.xml": "error", "einfo4.xml": "truncated",
          "pubmed3.html": "html"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_biopython_fixture_parses(path: Path) -> None:
    data = path.read_bytes()
    if path.name in ERRORS:
        with pytest.raises(NCBIResponseError) as e:
            parse_xml(data)
        assert e.value.kind == ERRORS[path.name]
    else:
        record = parse_xml(data)
        assert record is not None and len(record) > 0


def test_all_fixture_files_covered() -> None:
    assert len(FILES) == 53


def _cache() -> list[dict[str, str]]:
    path = shared_data_dir() / "genegpt_geneturing" / "api_response_cache.jsonl.gz"
    return [json.loads(line) for line in gzip.open(path, "rt")]


def test_truncated_gene_summaries_are_salvaged_or_typed() -> None:
    cut = [r for r in _cache() if r["kind"] == "eutils.esummary.gene" and "retmode=json" in r["url"]
           and len(r["response"]) == 10000]
    assert len(cut) == 97
    salvaged = 0
    for r in cut:
        try:
            data = parse_json(r["response"].encode())
        except NCBIResponseError as e:
            assert e.kind == "truncated"
            continue
        uids = data["result"]["uids"]
        salvaged += bool(uids)
        assert all(data["result"][u]["uid"] == u for u in uids)
    assert salvaged >= 90


def test_salvage_keeps_fields_before_the_cut() -> None:
    body = next(r["response"] for r in _cache() if r["kind"] == "eutils.esummary.gene" and "id=5699" in r["url"]
                and "retmode=json" in r["url"])
    cut = body[: len(body) // 2]
    rec = salvage_esummary(cut)
    assert rec is not None and rec["result"]["5699"]["name"] == "PSMB10"
