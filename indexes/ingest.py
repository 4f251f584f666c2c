"""Streaming readers for corpus files: JSONL(.gz), PubMed XML(.gz) and MEDLINE text.

Every reader yields :class:`Record` objects one at a time and never loads a whole file. Bad
lines or records are reported to an :class:`IngestReport` (``file:line: reason``) and skipped,
so one broken line does not stop a build.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from pydantic import BaseModel, Field

from biomedqa.errors import InputError
from biomedqa.types import is_pmid

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
XML_SUFFIXES = {".xml"}
MEDLINE_SUFFIXES = {".txt", ".medline", ".nbib"}
ID_KEYS = ("pmid", "id", "_id", "doc_id", "PMID")
TEXT_KEYS = ("text", "abstract", "contents", "body")


@dataclass(frozen=True, slots=True)
class Record:
    """One source document before chunking."""

    id: str
    title: str
    text: str
    pmid: str | None = None
    year: int | None = None


class IngestReport(BaseModel):
    """What ingestion read and what it had to skip."""

    files: int = 0
    records: int = 0
    skipped: int = 0
    problems: list[str] = Field(default_factory=list, description="First problems as 'file:line: reason'")
    max_problems: int = 50

    def problem(self, path: Path, line: int | None, reason: str) -> None:
        """Count one skipped line/record and remember where it was."""
        self.skipped += 1
        if len(self.problems) < self.max_problems:
            where = f"{path}:{line}" if line is not None else str(path)
            self.problems.append(f"{where}: {reason}")

    def summary(self, limit: int = 5) -> str:
        """A short warning summary (empty when nothing was skipped): count and first problems."""
        if not self.skipped:
            return ""
        shown = self.problems[:limit]
        more = self.skipped - len(shown)
        lines = [f"skipped {self.skipped} malformed line(s)/record(s):", *shown]
        if more > 0:
            lines.append(f"... and {more} more")
        return "\n".join(lines)


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def detect_format(path: Path) -> str:
    """``jsonl``, ``pubmed-xml`` or ``medline`` from the suffix, else from the first bytes."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in JSONL_SUFFIXES:
        return "jsonl"
    if last in XML_SUFFIXES:
        return "pubmed-xml"
    if last in MEDLINE_SUFFIXES:
        return "medline"
    try:
        with _open_binary(path) as f:
            head = f.read(512).lstrip()
    except (OSError, EOFError) as e:
        raise InputError(f"cannot read {path}: {e}.", hint="Check that the file is readable.") from e
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"<"):
        return "pubmed-xml"
    if head.startswith(b"PMID-"):
        return "medline"
    raise InputError(
        f"unknown corpus format for {path}.",
        hint="Use .jsonl(.gz) with pmid/title/text, PubMed XML (.xml/.xml.gz) or MEDLINE text (.txt).",
    )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus corpus files found inside named folders; errors for missing paths."""
    out: list[Path] = []
    known = JSONL_SUFFIXES | XML_SUFFIXES | MEDLINE_SUFFIXES
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and any(s.lower() in known for s in f.suffixes)
            )
            if not found:
                raise InputError(f"no corpus files in folder {p}.", hint="Put .jsonl/.xml/.txt(.gz) files there.")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"corpus file {p} does not exist.", hint="Check the path.")
    if not out:
        raise InputError("no corpus files given.", hint="Pass at least one .jsonl, .xml or MEDLINE file.")
    return out


def _year(value: Any) -> int | None:
    m = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(value)) if value else None
    return int(m.group(1)) if m else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v).strip() for v in value if v)
    return str(value or "").strip()


def record_from_dict(obj: dict[str, Any]) -> Record:
    """A Record from a JSON object; ValueError says what is missing."""
    rid = next((str(obj[k]).strip() for k in ID_KEYS if obj.get(k) not in (None, "")), "")
    if not rid:
        raise ValueError(f"no id field (one of {', '.join(ID_KEYS[:4])})")
    title = _text(obj.get("title"))
    text = next((_text(obj[k]) for k in TEXT_KEYS if obj.get(k)), "")
    if not title and not text:
        raise ValueError("empty title and text")
    given = obj.get("pmid", obj.get("PMID"))
    pmid = str(given if given not in (None, "") else rid).strip()
    if given not in (None, "") and not is_pmid(pmid):
        raise ValueError(f"pmid {pmid[:40]!r} is not a PubMed ID (ASCII digits 0-9 only)")
    return Record(id=rid, title=title, text=text, pmid=pmid if is_pmid(pmid) else None, year=_year(obj.get("year")))


def read_jsonl(path: Path, report: IngestReport) -> Iterator[Record]:
    """Stream a JSONL(.gz) file; malformed lines go to ``report``."""
    lineno = 0
    try:
        with _open_binary(path) as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                    if not isinstance(obj, dict):
                        raise ValueError("not a JSON object")  # noqa: TRY004 - reported as a bad line
                    yield record_from_dict(obj)
                except (ValueError, UnicodeDecodeError) as e:
                    report.problem(path, lineno, str(e).splitlines()[0][:160])
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        report.problem(path, lineno + 1, f"file unreadable or truncated here ({type(e).__name__}: {e})")


def _pubmed_record(article: dict[str, Any]) -> Record | None:
    citation = article.get("MedlineCitation") or {}
    pmid = str(citation.get("PMID", "")).strip()
    art = citation.get("Article") or {}
    title = str(art.get("ArticleTitle", "")).strip()
    abstract = art.get("Abstract") or {}
    parts = []
    for piece in abstract.get("AbstractText", []) or []:
        label = getattr(piece, "attributes", {}).get("Label")
        parts.append(f"{label}: {piece}" if label else str(piece))
    if not pmid or not (title or parts):
        return None
    issue = (art.get("Journal") or {}).get("JournalIssue") or {}
    date = issue.get("PubDate") or {}
    year = _year(date.get("Year") or date.get("MedlineDate"))
    return Record(id=pmid, title=title, text=" ".join(parts).strip(), pmid=pmid if is_pmid(pmid) else None, year=year)


def _element_record(el: Any) -> Record | None:
    pmid = (el.findtext("MedlineCitation/PMID") or "").strip()
    art = el.find("MedlineCitation/Article")
    if art is None:
        return None
    title_el = art.find("ArticleTitle")
    title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
    parts = []
    for piece in art.findall("Abstract/AbstractText"):
        text = " ".join("".join(piece.itertext()).split())
        label = piece.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    if not pmid or not (title or parts):
        return None
    date = art.find("Journal/JournalIssue/PubDate")
    year = _year((date.findtext("Year") or date.findtext("MedlineDate")) if date is not None else None)
    return Record(id=pmid, title=title, text=" ".join(parts).strip(), pmid=pmid if is_pmid(pmid) else None, year=year)


def _iterparse_pubmed(path: Path, report: IngestReport) -> Iterator[Record]:
    """Stream ``PubmedArticle`` elements with ElementTree (no DTD fetching), clearing each one."""
    import xml.etree.ElementTree as ET

    n = 0
    try:
        with _open_binary(path) as f:
            for _, el in ET.iterparse(f, events=("end",)):
                if el.tag != "PubmedArticle":
                    continue
                n += 1
                rec = _element_record(el)
                el.clear()
                if rec is None:
                    report.problem(path, None, f"article #{n}: no PMID or no title/abstract")
                elif rec.pmid is None:
                    report.problem(path, None, f"article #{n}: PMID {rec.id[:40]!r} is not ASCII digits")
                else:
                    yield rec
    except ET.ParseError as e:
        report.problem(path, e.position[0], f"XML parsing stopped after {n} article(s): {e}")
    except (OSError, EOFError) as e:
        report.problem(path, None, f"file unreadable or truncated after {n} article(s) ({type(e).__name__})")


def read_pubmed_xml(path: Path, report: IngestReport) -> Iterator[Record]:
    """Stream PubMed XML (efetch output, annual baseline files).

    ``Bio.Entrez.parse`` streams files whose DTD makes ``PubmedArticleSet`` a list; for the
    current DTDs (2019+, where it is a mixed set) Biopython can only ``read`` whole files, so
    those are streamed with ElementTree ``iterparse`` instead, one article at a time.
    """
    from Bio import Entrez

    n = 0
    try:
        with _open_binary(path) as f:
            articles = Entrez.parse(f, validate=False)  # type: ignore[no-untyped-call]
            for n, item in enumerate(articles, 1):
                if not isinstance(item, dict) or "MedlineCitation" not in item:
                    continue  # PubmedBookArticle, DeleteCitation: nothing to index
                rec = _pubmed_record(item)
                if rec is None:
                    report.problem(path, None, f"article #{n}: no PMID or no title/abstract")
                elif rec.pmid is None:
                    report.problem(path, None, f"article #{n}: PMID {rec.id[:40]!r} is not ASCII digits")
                else:
                    yield rec
    except Exception as e:  # noqa: BLE001 - Bio raises assorted XML errors; all mean "stop this file"
        if n == 0 and "does not represent a list" in str(e):
            yield from _iterparse_pubmed(path, report)
            return
        report.problem(path, None, f"XML parsing stopped after {n} article(s): {str(e).splitlines()[0][:200]}")


class _CountingText(io.TextIOBase):
    """A text iterator over binary lines that remembers the current line number."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.lineno = 0

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        for line in self.raw:
            self.lineno += 1
            yield line.decode("utf-8", errors="replace")


def read_medline(path: Path, report: IngestReport) -> Iterator[Record]:
    """Stream MEDLINE text records with ``Bio.Medline.parse``."""
    from Bio import Medline

    with _open_binary(path) as raw:
        lines = _CountingText(raw)
        try:
            for rec in Medline.parse(lines):  # type: ignore[no-untyped-call]
                pmid = str(rec.get("PMID", "")).strip()
                title, text = _text(rec.get("TI")), _text(rec.get("AB"))
                if not pmid or not (title or text):
                    report.problem(path, lines.lineno, "MEDLINE record without PMID or TI/AB")
                    continue
                if not is_pmid(pmid):
                    report.problem(path, lines.lineno, f"MEDLINE PMID {pmid[:40]!r} is not ASCII digits")
                    continue
                yield Record(id=pmid, title=title, text=text, pmid=pmid if is_pmid(pmid) else None,
                             year=_year(rec.get("DP")))
        except Exception as e:  # noqa: BLE001 - Bio.Medline raises KeyError/ValueError/... on bad input
            report.problem(path, lines.lineno, f"MEDLINE parsing stopped ({type(e).__name__}: {e})")


READERS = {"jsonl": read_jsonl, "pubmed-xml": read_pubmed_xml, "medline": read_medline}


def iter_records(paths: Iterable[Path], report: IngestReport) -> Iterator[Record]:
    """Records from every file, in order; the format of each file is detected on its own."""
    for path in expand_paths(paths):
        fmt = detect_format(path)
        report.files += 1
        logger.info("ingest: reading %s as %s", path, fmt)
        for rec in READERS[fmt](path, report):
            report.records += 1
            yield rec
