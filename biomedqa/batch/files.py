"""Batch input and output: tolerant CSV/TSV/JSONL reading and atomic CSV/JSONL writing.

Reading accepts UTF-8 (with or without BOM), UTF-16 with BOM, and falls back to cp1252 then
latin-1 with a warning. Every problem a user can cause is a one-line :class:`InputError`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from biomedqa.errors import InputError

logger = logging.getLogger(__name__)

OutputFormat = Literal["csv", "jsonl"]
OUTPUT_COLUMNS: tuple[str, ...] = (
    "id",
    "question",
    "answer",
    "choice",
    "pmids",
    "grounded",
    "support",
    "seconds",
    "error",
)
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
TSV_SUFFIXES = {".tsv", ".tab"}


@dataclass(frozen=True)
class InputRow:
    """One question to answer: its stable key, 1-based data row number, question and options."""

    key: str
    number: int
    question: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class InputTable:
    """A decoded input file."""

    columns: list[str]
    records: list[dict[str, str]]
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode a file's bytes; returns (text, encoding, warnings).

    Raises:
        InputError: the file is empty or binary.
    """
    if not data.strip():
        raise InputError(f"{path} is empty.", hint="Give a file with a header row and one question per row.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    if b"\x00" in data:
        raise InputError(
            f"{path} is not a text file (it contains NUL bytes).", hint="Save it as UTF-8 CSV, TSV or JSONL."
        )
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as e:
        first_bad = e.start
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        msg = f"{path} is not valid UTF-8 (byte {first_bad}); read it as {enc}. Save it as UTF-8 to silence this."
        logger.warning(msg)
        return text, enc, [msg]
    raise InputError(f"cannot decode {path}.", hint="Save it as UTF-8.")  # latin-1 decodes anything


def read_table(path: Path) -> InputTable:
    """Read a CSV, TSV or JSONL file into string records.

    Raises:
        InputError: unreadable, empty, binary or malformed file.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}.") from e
    text, encoding, warnings = decode_bytes(data, path)
    if path.suffix.lower() in JSONL_SUFFIXES:
        columns, records = _parse_jsonl(text, path)
    else:
        columns, records = _parse_delimited(text, path)
    if not records:
        raise InputError(f"{path} has a header but no rows.", hint="Add one question per row.")
    return InputTable(columns, records, encoding, warnings)


DELIMITERS = ",\t;|"


def sniff_delimiter(lines: Sequence[str], path: Path) -> str:
    """The delimiter of a delimited text file: ``\\t`` for .tsv/.tab, else :class:`csv.Sniffer` over the
    first lines (``,``, tab, ``;`` or ``|``); a one-column file, or a guess the header row does not
    contain, falls back to the most frequent delimiter in the header, then ``,``."""
    if path.suffix.lower() in TSV_SUFFIXES:
        return "\t"
    header = lines[0] if lines else ""
    try:
        found = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or no consistent delimiter
        found = ""
    if found and found in header:
        return found
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_delimited(text: str, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    delimiter = sniff_delimiter(lines, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error as e:
        raise InputError(f"{path} is not valid CSV (line {reader.line_num}): {e}.") from e
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    records = []
    for row in rows[1:]:
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        records.append({name: cells[i] for i, name in enumerate(header) if name})
    return [h for h in header if h], records


def _parse_jsonl(text: str, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    columns: dict[str, None] = {}
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path} line {number} is not valid JSON: {e.msg}.") from e
        if not isinstance(obj, dict):
            raise InputError(f"{path} line {number} is not a JSON object.")
        columns.update(dict.fromkeys(obj))
        records.append({k: _cell(v) for k, v in obj.items()})
    return list(columns), records


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def to_rows(
    table: InputTable,
    path: Path,
    *,
    question_col: str,
    id_col: str | None,
    options_cols: Sequence[str] = (),
) -> list[InputRow]:
    """Pick the question, id and option columns; ids default to row numbers when ``id_col`` is None.

    Raises:
        InputError: a named column is missing, or ids are blank or duplicated.
    """
    found = ", ".join(table.columns) or "(none)"
    for col in (question_col, id_col, *options_cols):
        if col is not None and col not in table.columns:
            raise InputError(
                f"no column {col!r} in {path}; columns found: {found}.",
                hint="Name the right one with --question-col / --id-col / --options-cols.",
            )
    rows: list[InputRow] = []
    seen: dict[str, int] = {}
    for number, rec in enumerate(table.records, 1):
        key = str(number) if id_col is None else rec.get(id_col, "")
        if not key:
            raise InputError(f"row {number} of {path} has an empty {id_col!r}.", hint="Every row needs an id.")
        if key in seen:
            raise InputError(
                f"id {key!r} appears in rows {seen[key]} and {number} of {path}.",
                hint="Ids must be unique; leave out the id column to number rows instead.",
            )
        seen[key] = number
        options = {c: rec[c] for c in options_cols if rec.get(c)}
        rows.append(InputRow(key, number, rec.get(question_col, ""), options))
    return rows


def output_format(out_path: Path, fmt: str | None) -> OutputFormat:
    """The output format: explicit, else from the suffix (``.jsonl`` → jsonl, otherwise csv)."""
    if fmt:
        if fmt not in ("csv", "jsonl"):
            raise InputError(f"unknown output format {fmt!r}.", hint="Use csv or jsonl.")
        return "jsonl" if fmt == "jsonl" else "csv"
    return "jsonl" if out_path.suffix.lower() in JSONL_SUFFIXES else "csv"


def csv_cell(value: Any) -> str:
    """Flatten one output value for CSV: lists ';'-joined, booleans lower-case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def record_from_csv(cells: dict[str, str]) -> dict[str, Any]:
    """Invert :func:`csv_cell` for a row of an earlier CSV output."""
    rec: dict[str, Any] = {c: cells.get(c) or None for c in OUTPUT_COLUMNS}
    rec["id"] = cells.get("id", "")
    rec["question"] = cells.get("question", "")
    rec["answer"] = cells.get("answer", "")
    rec["pmids"] = [p for p in (cells.get("pmids") or "").split(";") if p]
    rec["grounded"] = {"true": True, "false": False}.get(cells.get("grounded", ""))
    try:
        rec["seconds"] = float(cells.get("seconds") or 0.0)
    except ValueError:
        rec["seconds"] = 0.0
    return rec


def ensure_writable(out_path: Path) -> None:
    """Create the output's folder and write (then remove) a probe file there, before any model loads.

    Raises:
        OSError: the folder cannot be created or written (the CLI turns it into one line, exit 8).
    """
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".probe"):
            pass
    except OSError as e:
        raise type(e)(e.errno, e.strerror, str(out_path)) from e  # name the output, not the probe


def write_output_atomic(out_path: Path, records: Iterable[dict[str, Any]], fmt: OutputFormat) -> None:
    """Write all records to a temp file beside ``out_path``, fsync it, then ``os.replace`` it in.

    A reader never sees a half-written output, even if the process is killed mid-write.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            if fmt == "csv":
                writer = csv.writer(f)
                writer.writerow(OUTPUT_COLUMNS)
                for rec in records:
                    writer.writerow([csv_cell(rec.get(c)) for c in OUTPUT_COLUMNS])
            else:
                for rec in records:
                    f.write(json.dumps({c: rec.get(c) for c in OUTPUT_COLUMNS}, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(out_path.parent)


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a created or renamed entry survives a crash (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        logger.debug("fsync of %s not supported", directory)
    finally:
        os.close(fd)
