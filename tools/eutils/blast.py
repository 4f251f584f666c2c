"""BLAST URL API: Put a sequence, poll Get by RID following NCBI's rules, parse the best hits.

NCBI asks clients to wait at least the RTOE estimate before the first poll and to poll one RID
at most once a minute. Both intervals come from :class:`BlastTiming`, so replay runs instantly.
Reports are parsed from Text or XML, leniently: a report cut short still yields its whole hits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, Field

from biomedqa.errors import BlastError
from biomedqa.tools.eutils.client import EutilsClient

logger = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
LEADING_NAMES = {"Human": "Homo sapiens", "Mouse": "Mus musculus", "Zebrafish": "Danio rerio",
                 "Rat": "Rattus norvegicus", "Chicken": "Gallus gallus", "Yeast": "Saccharomyces cerevisiae"}
CHROM = re.compile(r"\b(?:chromosome|linkage group)[:\s]+([0-9]{1,2}|[XYxy]|MT)(?=[pq\s,.;]|$)")
FROM_CHROM = re.compile(r"\bfrom (?:chromosome )?([0-9]{1,2}|[XYxy])(?:[pq][0-9.]*(?:-[pq]?[0-9.]+)?)?,")
_ROW = re.compile(r"^(\S+)\s+(.*?)\s+([\d.]+)\s+([\de.+-]+)\s+(\d+)%\s*$")


class BlastTiming(BaseModel):
    """Polling intervals; live defaults follow NCBI's usage guidelines."""

    min_first_wait: float = Field(default=10.0, description="Seconds before the first poll (at least RTOE)")
    poll_interval: float = Field(default=60.0, description="Seconds between polls of one RID")
    max_polls: int = 20
    max_first_wait: float = Field(default=120.0, description="Cap on the server's RTOE estimate, in seconds")

    @property
    def max_wait(self) -> float:
        """The most seconds a search may spend sleeping between requests."""
        return max(self.min_first_wait, self.max_first_wait) + max(0, self.max_polls - 1) * self.poll_interval


class BlastHit(BaseModel):
    """One subject sequence from a BLAST report (its best HSP)."""

    accession: str
    title: str
    bits: float | None = None
    evalue: float | None = None
    identity: float | None = Field(default=None, description="Percent identity of the best HSP")
    sbjct_start: int | None = None
    sbjct_end: int | None = None

    @property
    def organism(self) -> str:
        """Binomial name from the title ('PREDICTED:' stripped; 'Human DNA ...' → Homo sapiens)."""
        title = re.sub(r"^(PREDICTED|TPA|UNVERIFIED|TPA_asm):\s*", "", self.title)
        first = title.split(" ", 1)[0]
        if first in LEADING_NAMES:
            return LEADING_NAMES[first]
        if title.startswith("Eukaryotic synthetic construct"):
            return "synthetic construct"
        return " ".join(title.split()[:2])

    @property
    def chromosome(self) -> str | None:
        """Chromosome named in the title ('chromosome 6q26-27' → '6', 'clone ... from 2' → '2',
        'clone ... from 7p14-15' → '7')."""
        m = CHROM.search(self.title) or FROM_CHROM.search(self.title)
        return m.group(1).upper() if m else None


def parse_put(body: str) -> tuple[str, float]:
    """RID and RTOE (seconds) from a Put response (a QBlastInfo block, or a bare RID)."""
    rid = re.search(r"RID\s*=\s*(\w+)", body)
    rtoe = re.search(r"RTOE\s*=\s*(\d+)", body)
    if rid:
        return rid.group(1), float(rtoe.group(1)) if rtoe else 0.0
    bare = body.strip()
    if re.fullmatch(r"[A-Z0-9]{8,16}", bare):
        return bare, 0.0
    raise BlastError(f"BLAST Put returned no RID: {bare[:120]!r}", hint="Check the sequence and program.")


def report_status(body: str) -> str:
    """``READY``, ``WAITING``, ``UNKNOWN`` or ``FAILED`` (READY when the body is a report)."""
    m = re.search(r"Status=(\w+)", body)
    if m:
        return m.group(1).upper()
    if "<BlastOutput" in body or "Sequences producing significant alignments" in body or "No hits found" in body:
        return "READY"
    return "FAILED"


def parse_report(body: str, limit: int = 10) -> list[BlastHit]:
    """Hits of a Text or XML BLAST report, best first; truncated reports keep their whole hits."""
    hits = _parse_xml_hits(body) if "<BlastOutput" in body else _parse_text_hits(body)
    return hits[:limit]


def _num(s: str | None) -> float | None:
    try:
        return float(s) if s else None
    except ValueError:
        return None


def _parse_xml_hits(body: str) -> list[BlastHit]:
    hits = []
    for block in re.findall(r"<Hit>(.*?)</Hit>", body, re.DOTALL):
        def tag(name: str, block: str = block) -> str | None:
            m = re.search(rf"<{name}>(.*?)</{name}>", block, re.DOTALL)
            return m.group(1).strip() if m else None
        ident, length = _num(tag("Hsp_identity")), _num(tag("Hsp_align-len"))
        start, end = tag("Hsp_hit-from"), tag("Hsp_hit-to")
        hits.append(BlastHit(accession=tag("Hit_accession") or "", title=tag("Hit_def") or "",
                             bits=_num(tag("Hsp_bit-score")), evalue=_num(tag("Hsp_evalue")),
                             identity=100 * ident / length if ident and length else None,
                             sbjct_start=int(start) if start else None, sbjct_end=int(end) if end else None))
    return hits


def _summary_rows(body: str) -> list[BlastHit]:
    """Hits from the 'Sequences producing significant alignments' table (titles may end in '...')."""
    _, _, table = body.partition("Sequences producing significant alignments:")
    rows = []
    for line in table.split("ALIGNMENTS")[0].split("\n")[1:]:
        m = _ROW.match(line.strip())
        if m:
            rows.append(BlastHit(accession=m.group(1), title=m.group(2).removesuffix("...").strip(),
                                 bits=_num(m.group(3)), evalue=_num(m.group(4)), identity=_num(m.group(5))))
    return rows


def _parse_text_hits(body: str) -> list[BlastHit]:
    detailed: dict[str, BlastHit] = {}
    for block in re.split(r"\n>", body)[1:]:
        header, found, rest = block.partition("Length=")
        if not found:
            continue  # cut before the alignment's header ended
        lines = [ln.strip() for ln in header.strip().split("\n")]
        accession, _, title_start = lines[0].partition(" ")
        # continuation lines of the title; other accessions of identical sequences start with an accession
        title = " ".join([title_start] + [ln for ln in lines[1:] if not re.match(r"^[A-Z]{1,4}_?\d+\.\d+ ", ln)])
        hsp = rest.split("\n Score =")[1] if "\n Score =" in rest else ""
        bits = re.search(r"^\s*([\d.]+) bits", hsp)
        evalue = re.search(r"Expect(?:\(\d+\))? = ([\de.+-]+)", hsp)
        ident = re.search(r"Identities = \d+/\d+ \((\d+)%\)", hsp)
        sbjct = re.findall(r"Sbjct\s+(\d+)\s+\S+\s+(\d+)", hsp)
        detailed[accession] = BlastHit(
            accession=accession, title=" ".join(title.split()), bits=_num(bits.group(1)) if bits else None,
            evalue=_num(evalue.group(1)) if evalue else None, identity=_num(ident.group(1)) if ident else None,
            sbjct_start=int(sbjct[0][0]) if sbjct else None, sbjct_end=int(sbjct[-1][1]) if sbjct else None)
    rows = _summary_rows(body)
    if not rows:
        return list(detailed.values())
    out = [detailed.get(r.accession, r) for r in rows]
    return out + [h for a, h in detailed.items() if a not in {r.accession for r in rows}]


class BlastClient:
    """BLAST searches over the URL API, sharing the E-utilities client's HTTP, limiter and retries."""

    def __init__(self, eutils: EutilsClient, timing: BlastTiming | None = None, sleep: Sleep | None = None) -> None:
        import asyncio

        self.eutils = eutils
        self.timing = timing or BlastTiming()
        self.sleep = sleep or asyncio.sleep

    async def put(self, sequence: str, *, program: str = "blastn", database: str = "nt",
                  megablast: bool = True, hitlist_size: int = 5) -> tuple[str, float]:
        params = {"CMD": "Put", "PROGRAM": program, "DATABASE": database, "QUERY": sequence.strip(),
                  "FORMAT_TYPE": "XML", "HITLIST_SIZE": hitlist_size}
        if megablast and program == "blastn":
            params["MEGABLAST"] = "on"
        response = await self.eutils.request(self.eutils.settings.blast_url, params)
        return parse_put(response.text)

    async def get(self, rid: str, rtoe: float = 0.0) -> str:
        """Poll a RID until its report is ready; the report body (Text format)."""
        t = self.timing
        await self.sleep(max(min(rtoe, t.max_first_wait), t.min_first_wait))
        for poll in range(t.max_polls):
            if poll:
                await self.sleep(t.poll_interval)
            response = await self.eutils.request(self.eutils.settings.blast_url,
                                                 {"CMD": "Get", "FORMAT_TYPE": "Text", "RID": rid})
            status = report_status(response.text)
            logger.debug("BLAST %s poll %d: %s", rid, poll + 1, status)
            if status == "READY":
                return response.text
            if status in ("UNKNOWN", "FAILED"):
                raise BlastError(f"BLAST search {rid} {status.lower()} (expired or failed).",
                                 hint="Submit the sequence again.")
        raise BlastError(f"BLAST search {rid} not ready after {t.max_polls} polls.", hint="Retry later.")

    async def search(self, sequence: str, *, program: str = "blastn", database: str = "nt",
                     limit: int = 5) -> list[BlastHit]:
        """Put, poll, parse: the best hits for a sequence."""
        rid, rtoe = await self.put(sequence, program=program, database=database)
        report = await self.get(rid, rtoe)
        try:
            return parse_report(report, limit=limit)
        except (ValueError, TypeError, IndexError) as e:  # a report of unexpected shape
            raise BlastError(f"unreadable BLAST report for {rid} ({type(e).__name__}).", hint="Retry later.") from e
