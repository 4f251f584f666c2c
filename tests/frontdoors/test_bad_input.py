"""Issue #16, CLI and storage: every bad path, name or PMID is one ``Error:`` line with a documented
exit code and no traceback; file-system errors map to exit 8; PMIDs are ASCII digits only."""

from __future__ import annotations

import errno
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from biomedqa.cli.options import check_home
from biomedqa.cli.output import storage_error
from biomedqa.errors import ConfigError, InputError, StorageError
from biomedqa.eval.security import cli as area
from biomedqa.eval.security.common import timed
from biomedqa.indexes import build_index, list_indexes, open_index
from biomedqa.indexes.ingest import IngestReport, read_jsonl, read_medline, read_pubmed_xml
from biomedqa.indexes.store import row_to_passage
from biomedqa.settings import Settings, get_settings
from biomedqa.testing import HashEmbedder
from biomedqa.types import Passage, is_pmid

NAMES = [
    "batch-output-in-readonly-dir", "batch-output-under-a-file", "batch-output-deep-under-a-file",
    "home-is-a-file-list", "home-is-a-file-build", "home-under-a-file", "home-not-writable-build",
    "index-info-traversal", "index-info-absolute-path", "index-info-dotdot", "index-info-missing",
    "index-merge-traversal", "index-merge-bad-target", "index-build-name-with-slash", "preset-missing",
    "override-malformed", "ingest-unicode-digit-pmid", "renamed-index-hints-its-folder",
]


@pytest.fixture
def case_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for p in tmp_path.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)


def test_every_case_is_listed(case_dir: Path) -> None:
    assert [name for name, _ in area.cases(case_dir)] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_case(case_dir: Path, name: str) -> None:
    res = timed("cli", name, dict(area.cases(case_dir))[name])
    assert res.outcome == "refused", res.detail
    code = res.detail.split(":")[0]
    if name.startswith(("batch-output", "home-not-writable")):
        assert code == "exit 8"
    assert res.seconds < 15 and res.peak_mb < 500


@pytest.mark.parametrize(("error", "code", "words"), [
    (PermissionError(errno.EACCES, "Permission denied", "/x/out.csv"), 8, "permission denied: /x/out.csv"),
    (FileExistsError(errno.EEXIST, "File exists", "/x/afile"), 8, "a file with that name is in the way"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/x/afile/o"), 8, "part of this path is a file"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "/x"), 8, "is a folder, not a file"),
    (OSError(errno.ENOSPC, "No space left on device", "/x/o"), 8, "no space left"),
    (OSError(errno.EROFS, "Read-only file system", "/x/o"), 8, "read-only file system"),
    (OSError(errno.EIO, "Input/output error", "/x/o"), 8, "Input/output error: /x/o"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), 1, "connection failed"),
])
def test_os_errors_become_one_line(error: OSError, code: int, words: str) -> None:
    err = storage_error(error)
    assert err.exit_code == code and words in str(err) and "\n" not in str(err)
    assert isinstance(err, StorageError) == (code == 8)


def test_home_must_be_a_folder(tmp_path: Path) -> None:
    afile = tmp_path / "f"
    afile.write_text("x")
    check_home(tmp_path / "new" / "home")  # not there yet: fine, it will be created
    for home in (afile, afile / "sub" / "deeper"):
        with pytest.raises(ConfigError, match="not a folder"):
            check_home(home)


@pytest.fixture
def built(tmp_path: Path) -> Settings:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in area.CORPUS), encoding="utf-8")
    settings = get_settings("default").with_overrides({"home": str(tmp_path / "home")})
    info = build_index([corpus], "orig", settings, embedder=HashEmbedder(), progress=False)
    assert info.skipped == 1 and info.docs == 3
    return settings


@pytest.mark.parametrize("name", ["../orig", "/etc", "..", "a/b", "", "orig/../orig"])
def test_open_index_validates_the_name(built: Settings, name: str) -> None:
    with pytest.raises(InputError, match="bad index name"):
        open_index(built, name)


def test_renamed_folder_names_itself(built: Settings) -> None:
    (built.index_dir / "orig").rename(built.index_dir / "moved")
    assert [i.name for i in list_indexes(built)] == ["moved"]
    index = open_index(built, "moved")
    assert index.name == "moved" and index.info.name == "moved"
    index.close()


def test_pmids_are_ascii_digits() -> None:
    assert is_pmid("123") and not is_pmid("²³") and not is_pmid("١٢٣") and not is_pmid("") and not is_pmid("12a")
    with pytest.raises(ValidationError):
        Passage(doc_id="x", pmid="١٢٣", text="t", source="bm25")
    old_row = (0, "²³", "²³", "title", "text", None, None)  # an index built before PMIDs were checked
    assert row_to_passage(old_row).pmid is None


def test_jsonl_without_a_pmid_field_keeps_its_id(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "doc-²", "title": "t", "text": "x"}) + "\n", encoding="utf-8")
    report = IngestReport()
    (rec,) = read_jsonl(path, report)
    assert rec.id == "doc-²" and rec.pmid is None and report.skipped == 0


def test_xml_and_medline_skip_unicode_pmids(tmp_path: Path) -> None:
    from biomedqa.shared_data import shared_data_dir

    real = (shared_data_dir() / "eutils_fixtures/biopython_Tests_Entrez/pubmed2.xml").read_text(encoding="utf-8")
    xml = tmp_path / "a.xml.gz"
    with gzip.open(xml, "wt", encoding="utf-8") as f:
        f.write(real.replace('<PMID Version="1">11748933</PMID>', '<PMID Version="1">²³</PMID>'))
    report = IngestReport()
    assert [r.pmid for r in read_pubmed_xml(xml, report)] == ["11700088"]
    assert report.skipped == 1 and "not ASCII digits" in report.problems[0]
    med = tmp_path / "m.txt"
    med.write_text("PMID- ²³\nTI  - T\nAB  - A\n\nPMID- 43\nTI  - T\nAB  - A\n", encoding="utf-8")
    report = IngestReport()
    assert [r.pmid for r in read_medline(med, report)] == ["43"]
    assert report.skipped == 1


def test_a_broken_pipe_exits_quietly() -> None:
    import subprocess
    import sys

    code = ("import click, sys\nfrom biomedqa.cli.output import handle_errors\n"
            "@click.command()\n@handle_errors\ndef c():\n    [click.echo('x' * 100) for _ in range(100000)]\nc()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err and "Error" not in err
