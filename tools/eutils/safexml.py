"""XML from NCBI read without ever touching the network, and with bounded nesting.

Bio.Entrez fetches a DTD or XSD it does not bundle with ``urlopen`` (no timeout), and caches it
under ``~/.config/biopython``; a body naming an unknown DTD therefore reached the network even in
replay mode. :class:`OfflineDataHandler` reads only the DTDs and XSDs bundled with Biopython and
refuses anything else (the caller then falls back to a generic reader). Element nesting is
checked first, so 50,000 nested elements cannot exhaust the stack of any reader downstream.
"""

from __future__ import annotations

import io
import logging
import os
import xml.etree.ElementTree as ET
from typing import IO, Any, cast
from xml.parsers import expat

from Bio.Entrez.Parser import DataHandler

logger = logging.getLogger(__name__)
MAX_DEPTH = 256


class ExternalRefused(ValueError):
    """A body referred to a DTD, XSD or external entity that Biopython does not bundle."""


class TooDeep(ValueError):
    """XML nested deeper than :data:`MAX_DEPTH`."""


class OfflineDataHandler(DataHandler):
    """Bio.Entrez's handler restricted to the DTDs and XSDs shipped inside Biopython."""

    def _bundled(self, folder: str, filename: str) -> IO[bytes]:
        name = os.path.basename(filename)
        path = os.path.join(folder, name)
        if not name or not os.path.isfile(path):
            raise ExternalRefused(f"the body names {filename!r}, which is not bundled; not fetched")
        return open(path, "rb")  # noqa: SIM115 - Bio.Entrez closes it

    def open_dtd_file(self, filename: str) -> IO[bytes]:
        return self._bundled(DataHandler.global_dtd_dir, filename)

    def open_xsd_file(self, filename: str) -> IO[bytes]:
        return self._bundled(DataHandler.global_xsd_dir, filename)

    def save_dtd_file(self, filename: str, text: bytes) -> None:
        """Never cache anything (nothing is ever downloaded)."""

    def save_xsd_file(self, filename: str, text: bytes) -> None:
        """Never cache anything (nothing is ever downloaded)."""


def check_depth(data: bytes, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeep` when elements nest deeper than ``limit`` (a streaming pass; no entities read).

    Malformed XML is left for the real reader to report.
    """
    parser = expat.ParserCreate()
    depth = 0

    def start(_tag: str, _attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            raise TooDeep(f"XML nested deeper than {limit} elements")

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return


def entrez_read(data: bytes) -> Any:
    """``Bio.Entrez.read`` (no validation) through :class:`OfflineDataHandler`."""
    handler = OfflineDataHandler(validate=False, escape=False, ignore_errors=False)  # type: ignore[no-untyped-call]
    return handler.read(io.BytesIO(data))  # type: ignore[no-untyped-call]


def generic_xml(data: bytes) -> dict[str, Any]:
    """Any XML as nested dicts (attributes, child tags, ``_text``); no DTD is read. Iterative, not recursive.

    Raises:
        ET.ParseError: on malformed XML.
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    parser.feed(data)
    parser.close()
    stack: list[tuple[ET.Element, dict[str, Any]]] = []
    root: dict[str, Any] = {}
    for got in parser.read_events():
        event, el = cast("tuple[str, Any]", got)
        if not isinstance(el, ET.Element):
            continue
        if event == "start":
            stack.append((el, {}))
            continue
        _, children = stack.pop()
        value: Any = children if children else _leaf(el)
        if children:
            value = {**el.attrib, **children}
        parent = stack[-1][1] if stack else root
        if el.tag in parent:
            prev = parent[el.tag]
            parent[el.tag] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            parent[el.tag] = value
        el.clear()
    return root


def _leaf(el: ET.Element) -> Any:
    text = (el.text or "").strip()
    return text if not el.attrib else {**el.attrib, "_text": text}
