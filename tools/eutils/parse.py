"""Parse E-utilities bodies: XML through Bio.Entrez, JSON strictly or leniently, errors typed.

NCBI answers errors in many shapes: an HTTP error status, an ``<ERROR>`` element, an ``"error"``
JSON field, an ``ERROR`` field inside ``esearchresult``, an HTML page where XML was asked for,
and (in recordings) bodies cut short. Each becomes a :class:`NCBIResponseError` or an empty result.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from typing import Any

from Bio.Entrez.Parser import CorruptedXMLError, NotXMLError, ValidationError

from biomedqa.errors import NCBIResponseError
from biomedqa.tools.eutils.safexml import ExternalRefused, TooDeep, check_depth, entrez_read, generic_xml

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
    """Parse an E-utilities XML body with Bio.Entrez (generic reader without a bundled DTD); never online.

    Raises:
        NCBIResponseError: for ``<ERROR>`` bodies, HTML pages, empty, truncated or too deeply nested XML.
    """
    kind = sniff(data)
    if kind in ("html", "empty"):
        raise _html_error(data) if kind == "html" else NCBIResponseError("NCBI returned an empty body.", kind="empty")
    try:
        check_depth(data)
    except TooDeep as e:
        raise NCBIResponseError(f"unusable XML from NCBI ({e}).", kind="unparseable") from e
    data = re.sub(rb'"http://www\.ncbi\.nlm\.nih\.gov/', b'"https://www.ncbi.nlm.nih.gov/', data)
    try:
        return entrez_read(data)
    except ExternalRefused as e:
        logger.info("Bio.Entrez: %s; using the generic XML reader", e)
    except RuntimeError as e:
        raise NCBIResponseError(f"NCBI error: {str(e)[:200]}", kind="error") from e
    except CorruptedXMLError as e:
        raise NCBIResponseError(f"truncated or corrupt XML from NCBI ({e.args[0] if e.args else e}).",
                                kind="truncated", hint="Retry the request; the body was cut short.") from e
    except (NotXMLError, ValidationError, ValueError, KeyError, AssertionError) as e:
        logger.debug("Bio.Entrez could not parse (%s); using the generic XML reader", e)
    return _generic_xml(data)


def _generic_xml(data: bytes) -> dict[str, Any]:
    try:
        tree = generic_xml(data)
    except ET.ParseError as e:
        raise NCBIResponseError(f"unparseable XML from NCBI ({e}).", kind="truncated") from e
    value = next(iter(tree.values()), None)
    if isinstance(value, dict) and set(value) == {"ERROR"}:
        errors = value["ERROR"] if isinstance(value["ERROR"], list) else [value["ERROR"]]
        raise NCBIResponseError(f"NCBI error: {str(errors[0])[:200]}", kind="error")
    return tree


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
    except RecursionError as e:
        raise NCBIResponseError("unusable JSON from NCBI (nested too deeply).", kind="unparseable") from e
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
    result = obj.get("result")
    has_data = bool(result.get("uids") if isinstance(result, dict) else 0) or \
        bool(res.get("idlist") if isinstance(res, dict) else 0)
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


def _unexpected(what: str) -> NCBIResponseError:
    return NCBIResponseError(f"unexpected {what} from NCBI; treated as a failed call.", kind="unparseable",
                             hint="Retry later.")


def _ids(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(i, str | int) and not isinstance(i, bool) for i in value):
        raise _unexpected(f"{what} (not a list of ids)")
    return [str(i) for i in value]


def esearch_result(data: dict[str, Any]) -> dict[str, Any]:
    """The ``esearchresult`` object, checked: ``idlist`` a list of id strings, ``count`` a digit string."""
    res = data.get("esearchresult")
    if res is None:
        res = {}
    if not isinstance(res, dict):
        raise _unexpected("esearch JSON (esearchresult is not an object)")
    out = dict(res)
    out["idlist"] = _ids(out.get("idlist", []), "esearch idlist")
    count = str(out.get("count", len(out["idlist"])))
    out["count"] = count if count.isascii() and count.isdigit() else str(len(out["idlist"]))
    return out


def esummary_docs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Summaries by uid from an esummary JSON body; records that are not objects are dropped."""
    res = data.get("result")
    if res is None:
        return {}
    if not isinstance(res, dict):
        raise _unexpected("esummary JSON (result is not an object)")
    uids = _ids(res.get("uids", []), "esummary uids")
    return {u: res[u] for u in uids if isinstance(res.get(u), dict)}


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return str(value) if isinstance(value, str) else value


def esummary_xml_docs(rec: Any) -> dict[str, dict[str, Any]]:
    """Summaries by uid from an esummary XML document (``DocumentSummarySet``, E-utilities' default format),
    with the field names lower-cased as in JSON mode (``Summary`` → ``summary``)."""
    docs = ((rec or {}).get("DocumentSummarySet") or {}).get("DocumentSummary") or [] if isinstance(rec, dict) else []
    out: dict[str, dict[str, Any]] = {}
    for d in docs if isinstance(docs, list) else []:
        uid = str(getattr(d, "attributes", {}).get("uid", "") or "")
        if uid.isdigit() and isinstance(d, dict):
            out[uid] = {"uid": uid, **_lower_keys(d)}
    return out


def elink_links(data: dict[str, Any], db: str) -> dict[str, list[str]]:
    """Linked ids by link name from an elink JSON body."""
    out: dict[str, list[str]] = {}
    linksets = data.get("linksets", [])
    if not isinstance(linksets, list):
        raise _unexpected("elink JSON (linksets is not a list)")
    for ls in linksets:
        dbs = ls.get("linksetdbs", []) if isinstance(ls, dict) else None
        if not isinstance(dbs, list):
            raise _unexpected("elink JSON (linksetdbs is not a list)")
        for ldb in dbs:
            if not isinstance(ldb, dict):
                raise _unexpected("elink JSON (a linksetdb is not an object)")
            out.setdefault(str(ldb.get("linkname", db)), []).extend(_ids(ldb.get("links", []), "elink links"))
    return out
