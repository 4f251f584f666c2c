"""CLI area of ``biomedqa eval security``: bad paths, bad names and bad PMIDs at the front door.

Every CLI case runs the real click command in-process (``CliRunner``) in a throwaway data dir,
with an agent factory that fails if called, so no model is ever loaded. A case is ``refused``
when the command exits with its documented code, prints exactly one ``Error:`` line and no
traceback; anything else is a ``crash``. Ingestion cases feed real reader functions a corpus
with a Unicode-digit PMID; the renamed-index case builds a three-document index with the
deterministic ``HashEmbedder`` (the bad-PMID line skipped), searches it, renames its folder and
damages it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from biomedqa.errors import BiomedQAError
from biomedqa.eval.security.common import CaseResult, Outcome, timed

AREA = "cli"
EXIT_CODES = {2: "bad input or settings", 3: "index missing or corrupt", 8: "file or folder not readable/writable"}
"""The exit codes these cases expect (README: Commands)."""

CaseFn = Callable[[], Outcome | tuple[Outcome, str]]

CORPUS = [
    {"pmid": "21645374", "title": "Programmed cell death", "text": "Apoptosis is programmed cell death."},
    {"pmid": "²³", "title": "Superscript digits", "text": "A PMID made of Unicode digits."},
    {"pmid": "31000001", "title": "CFTR and cystic fibrosis", "text": "CFTR mutations cause cystic fibrosis."},
    {"pmid": "31000002", "title": "Metformin", "text": "Metformin lowers HbA1c in type 2 diabetes."},
]


def _no_agent(_settings: Any) -> Any:
    raise AssertionError("the command built an agent (and would load a model) before checking its input")


def cli_case(args: list[str], expect: int, env: dict[str, str]) -> CaseFn:
    """Run ``biomedqa ARGS``: refused when it exits ``expect`` with one Error line and no traceback."""
    def run() -> tuple[Outcome, str]:
        from biomedqa.cli import cli, use_agent_factory

        with use_agent_factory(_no_agent):
            res = CliRunner().invoke(cli, args, env=env)
        text = res.stderr + res.stdout
        errors = [line for line in text.splitlines() if line.startswith("Error:")]
        escaped = res.exception is not None and not isinstance(res.exception, SystemExit)
        ok = res.exit_code == expect and len(errors) == 1 and "Traceback" not in text and not escaped
        detail = f"exit {res.exit_code}: {errors[0] if errors else text.strip()[-120:]}"
        if escaped:
            detail = f"exit {res.exit_code}: {type(res.exception).__name__}: {res.exception}"
        return ("refused" if ok else "crash"), detail[:200]
    return run


def ingest_case(path: Path) -> CaseFn:
    """Ingest the corpus: the Unicode-digit PMID line is reported and skipped, the others indexed."""
    def run() -> tuple[Outcome, str]:
        from biomedqa.indexes.ingest import IngestReport, read_jsonl

        report = IngestReport()
        records = list(read_jsonl(path, report))
        problems = [p.split(": ", 1)[-1] for p in report.problems]
        ok = [r.pmid for r in records] == ["21645374", "31000001", "31000002"] and report.skipped == 1
        return ("refused" if ok else "crash"), f"{len(records)} records, skipped {report.skipped}: {problems}"[:200]
    return run


def renamed_case(home: Path, corpus: Path) -> CaseFn:
    """Build ``built-as``, rename its folder to ``renamed``, damage it: the hint names ``renamed``."""
    def run() -> tuple[Outcome, str]:
        from biomedqa.indexes import build_index, open_index
        from biomedqa.retrievers.bm25 import BM25Retriever
        from biomedqa.settings import get_settings
        from biomedqa.testing import HashEmbedder

        settings = get_settings("default").with_overrides({"home": str(home)})
        build_index([corpus], "built-as", settings, embedder=HashEmbedder(), progress=False)
        folder = settings.index_dir / "renamed"
        (settings.index_dir / "built-as").rename(folder)
        index = open_index(settings, "renamed")
        name = index.name
        found = BM25Retriever(index, settings).search("superscript unicode digits cystic fibrosis", 10)
        index.close()
        if "²³" in {p.doc_id for p in found} or not found:
            return "crash", f"search returned {[p.doc_id for p in found]}"
        (folder / "docs.sqlite").write_bytes(b"damaged")
        try:
            open_index(settings, "renamed")
        except BiomedQAError as e:
            good = name == "renamed" and "--name renamed" in str(e) and "built-as" not in str(e)
            return ("refused" if good else "crash"), f"exit {e.exit_code}: {e}"[:200]
        return "crash", "a damaged index opened"
    return run


def _readonly_dir(tmp: Path) -> Path:
    """A folder this process cannot write: a 0555 folder, or /sys for root (which ignores modes)."""
    if os.geteuid() == 0:
        return Path("/sys")
    ro = tmp / "readonly"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


def cases(tmp: Path) -> list[tuple[str, CaseFn]]:
    """Every CLI case as (name, function), with its files under ``tmp``."""
    home = tmp / "home"
    home.mkdir()
    afile = tmp / "afile"
    afile.write_text("a regular file\n")
    questions = tmp / "q.csv"
    questions.write_text("id,question\n1,Is CFTR the gene mutated in cystic fibrosis?\n")
    corpus = tmp / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CORPUS), encoding="utf-8")
    ro = _readonly_dir(tmp)
    env = {"BIOMEDQA_HOME": str(home)}
    build = ["index", "build", str(corpus), "--name"]
    rows: list[tuple[str, list[str], int, dict[str, str]]] = [
        ("batch-output-in-readonly-dir", ["batch", str(questions), "--out", str(ro / "out.csv")], 8, env),
        ("batch-output-under-a-file", ["batch", str(questions), "--out", str(afile / "out.csv")], 8, env),
        ("batch-output-deep-under-a-file",
         ["batch", str(questions), "--out", str(afile / "a" / "b" / "o.csv")], 8, env),
        ("home-is-a-file-list", ["index", "list"], 2, {"BIOMEDQA_HOME": str(afile)}),
        ("home-is-a-file-build", [*build, "x"], 2, {"BIOMEDQA_HOME": str(afile)}),
        ("home-under-a-file", ["index", "info", "x"], 2, {"BIOMEDQA_HOME": str(afile / "sub")}),
        ("home-not-writable-build", [*build, "x"], 8, {"BIOMEDQA_HOME": str(ro / "biomedqa-home")}),
        ("index-info-traversal", ["index", "info", "../../somewhere"], 2, env),
        ("index-info-absolute-path", ["index", "info", "/etc"], 2, env),
        ("index-info-dotdot", ["index", "info", ".."], 2, env),
        ("index-info-missing", ["index", "info", "nothing-here"], 3, env),
        ("index-merge-traversal", ["index", "merge", "../x", "--name", "y"], 2, env),
        ("index-merge-bad-target", ["index", "merge", "x", "--name", "../y"], 2, env),
        ("index-build-name-with-slash", [*build, "a/b"], 2, env),
        ("preset-missing", ["index", "list", "-s", str(tmp / "nope.json")], 2, env),
        ("override-malformed", ["index", "list", "-o", "nonsense"], 2, env),
    ]
    out: list[tuple[str, CaseFn]] = [(name, cli_case(args, code, e)) for name, args, code, e in rows]
    out += [("ingest-unicode-digit-pmid", ingest_case(corpus)),
            ("renamed-index-hints-its-folder", renamed_case(tmp / "home-renamed", corpus))]
    return out


def run() -> list[CaseResult]:
    """Run every CLI case in a fresh temporary folder (removed afterwards)."""
    tmp = Path(tempfile.mkdtemp(prefix="biomedqa-security-cli-"))
    try:
        return [timed(AREA, name, fn) for name, fn in cases(tmp)]
    finally:
        for p in tmp.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(tmp, ignore_errors=True)
