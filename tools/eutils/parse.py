"""Parse E-utilities bodies: XML through Bio.Entrez, JSON strictly or leniently, errors typed.

NCBI answers errors in many shapes: an HTTP error status, an ``<ERROR>`` element, an ``"error"``
JSON field, an ``ERROR`` field inside ``esearchresult``, an HTML page where XML was asked for,
and (in recordings) bodies cut short. Each becomes a :class:`NCBIResponseError` or an empty result.
"""

from __future__ import annotations

import io
import json
import logging
import re
import xml.etree.ElementTree as ET
from typing import Any

from Bio import Entrez
from Bio.Entrez.Parser import CorruptedXMLError, NotXMLError, ValidationError

from biomedqa.errors import NCBIResponseError

logger = logging.getLogger(__name__)
_HTML = re.compile(rb"^\s*(<!doctype html|<html|<p><!--|<head)", re.IGNORECASE)
_STR_FIELD = re.compile(r'"(\w+)":"((?:[^"\\]|\\.)*)"')
_NUM_FIELD = re.compile(r'"(\w+)":(-?\d+(?:\.\d+)?)[,}]')


def sniff(data: bytes) -> str:
    """``json``, ``xml``, ``html``, ``empty`` or ``text``."""
    head = data.lstrip()[:200]
    if not head:
        return "empty"
    if head[:1] in (b"{", b"["):
        return "json"
    if _HTML.match(head):
        return "html"
    return "xml" if head.startswith(b"<") else "text"


def _html_error(data: bytes) -> NCBIResponseError:
    title = re.search(rb"<title>(.*?)</title>", data, re.IGNORECASE | re.DOTALL)
    what = title.group(1).decode("utf-8", "replace").strip() if title else "an HTML page"
    return NCBIResponseError(f"NCBI returned an HTML page ({what[:80]}) instead of data.", kind="html",
                             hint="The service may be down or the request malformed; retry later.")


def parse_xml(data: bytes) -> Any:
    """Parse an E-utilities XML body with Bio.Entrez (generic ElementTree fallback without a DTD).

    Raises:
        NCBIResponseError: for ``<ERROR>`` bodies, HTML pages, empty or truncated XML.
    """
    kind = sniff(data)
    if kind in ("html", "empty"):
        raise _html_error(data) if kind == "html" else NCBIResponseError("NCBI returned an empty body.", kind="empty")
    data = re.sub(rb'"http://www\.ncbi\.nlm\.nih\.gov/', b'"https://www.ncbi.nlm.nih.gov/', data)
    try:
        return Entrez.read(io.BytesIO(data), validate=False)  # type: ignore[no-untyped-call]
    except RuntimeError as e:
        if "Failed to access" not in str(e):
            raise NCBIResponseError(f"NCBI error: {e}", kind="error") from e
    except CorruptedXMLError as e:
        raise NCBIResponseError(f"truncated or corrupt XML from NCBI ({e.args[0] if e.args else e}).",
                                kind="truncated", hint="Retry the request; the body was cut short.") from e
    except (NotXMLError, ValidationError, ValueError) as e:
        logger.debug("Bio.Entrez could not parse (%s); using the generic XML reader", e)
    return _generic_xml(data)


def _generic_xml(data: bytes) -> dict[str, Any]:
    text = re.sub(rb"<!DOCTYPE[^>]*>", b"", data)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise NCBIResponseError(f"unparseable XML from NCBI ({e}).", kind="truncated") from e
    errors = [el.text or "" for el in root.iter("ERROR")]
    if errors and len(root) == len(errors):
        raise NCBIResponseError(f"NCBI error: {errors[0]}", kind="error")
    return {root.tag: _element(root)}


def _element(el: ET.Element) -> Any:
    children = list(el)
    if not children:
        return (el.text or "").strip() if not el.attrib else {**el.attrib, "_text": (el.text or "").strip()}
    out: dict[str, Any] = dict(el.attrib)
    for child in children:
        value = _element(child)
        if child.tag in out:
            prev = out[child.tag]
            out[child.tag] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[child.tag] = value
    return out


def parse_json(data: bytes, *, lenient: bool = True) -> dict[str, Any]:
    """Parse a JSON body; raise typed errors for error fields, HTML and truncation.

    With ``lenient``, a truncated esummary is salvaged record by record (see :func:`salvage_esummary`).
    """
    kind = sniff(data)
    if kind == "html":
        raise _html_error(data)
    if kind == "empty":
        raise NCBIResponseError("NCBI returned an empty body.", kind="empty")
    text = data.decode("utf-8", "replace")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        salvaged = salvage_esummary(text) if lenient else None
        if salvaged is None:
            raise NCBIResponseError(f"truncated or invalid JSON from NCBI ({e.msg} at {e.pos}).",
                                    kind="truncated", hint="Retry the request; the body was cut short.") from e
        logger.info("salvaged %d records from a truncated esummary", len(salvaged["result"]["uids"]))
        return salvaged
    if not isinstance(obj, dict):
        raise NCBIResponseError("unexpected JSON from NCBI (not an object).", kind="unparseable")
    _raise_json_error(obj)
    return obj


def _raise_json_error(obj: dict[str, Any]) -> None:
    err = obj.get("error") or obj.get("ERROR")
    res = obj.get("esearchresult") or {}
    err = err or (res.get("ERROR") if isinstance(res, dict) else None)
    if not err:
        return
    has_data = bool((obj.get("result") or {}).get("uids")) or bool(res.get("idlist") if isinstance(res, dict) else 0)
    if isinstance(err, str) and err.lower().startswith("invalid uid") and not has_data:
        logger.info("NCBI: %s", err)  # an unknown id is an empty result, not a failure
        obj.setdefault("result", {"uids": []})
        return
    if not has_data:
        raise NCBIResponseError(f"NCBI error: {str(err)[:200]}", kind="error")


def salvage_esummary(text: str) -> dict[str, Any] | None:
    """Recover the complete-enough records of an esummary JSON body that was cut short."""
    starts = list(re.finditer(r'"(\d+)":\{"uid":"\1"', text))
    if not starts:
        return None
    records: dict[str, Any] = {}
    for i, m in enumerate(starts):
        chunk = text[m.end(): starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        rec: dict[str, Any] = {"uid": m.group(1), "_salvaged": True}
        for k, v in _STR_FIELD.findall(chunk):
            rec.setdefault(k, json.loads(f'"{v}"'))
        for k, v in _NUM_FIELD.findall(chunk):
            rec.setdefault(k, float(v) if "." in v else int(v))
        org = re.search(r'"organism":\{"scientificname":"([^"]*)","commonname":"([^"]*)","taxid":(\d+)', chunk)
        if org:
            rec["organism"] = {"scientificname": org.group(1), "commonname": org.group(2), "taxid": int(org.group(3))}
        records[m.group(1)] = rec
    return {"result": {"uids": list(records), **records}, "_truncated": True}
