"""``biomedqa index pubmed``: a local index built from a PubMed query (or a PMID list).

1. esearch with the history server (``usehistory=y``) gives the hit count and the PMIDs, up to
   ``--max`` (PubMed's esearch returns at most 10,000 ids per query: split by date beyond that).
2. efetch in batches of ``--batch`` PMIDs (POSTed), rate-limited by the client (3 requests/s,
   10 with ``ncbi.api_key``; ``ncbi.email`` sent on every call), each batch saved as PubMed XML
   under ``home/pubmed/NAME/``; ``journal.json`` lists the batches done, so a killed run resumes
   where it stopped. Batches go by PMID rather than by history-server offset, so a resume hours
   later depends neither on the WebEnv (it expires) nor on the result set staying the same.
3. The saved batches go through the normal build (streaming PubMed XML ingestion, resumable
   embedding), so the index is like any other: ``index info``, ``--index NAME``.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from biomedqa.errors import InputError, NCBIResponseError
from biomedqa.indexes.manifest import IndexInfo
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.parse import parse_xml

logger = logging.getLogger(__name__)

ESEARCH_MAX = 10_000
XML_BYTES_PER_RECORD = 13_600  # mean efetch XML size of the 6 recorded PubMed records (biocommons cassettes)
INDEX_BYTES_PER_RECORD = 5_500  # the demo index: 5.5 MB on disk for 1,000 abstracts
EMBED_RECORDS_PER_S = 14.0  # the demo build: 1,000 abstracts (1,241 chunks) embedded in 72 s on 2 cores


class PubmedPlan(BaseModel):
    """What one ``index pubmed`` run fetches; saved in the journal with the batches done."""

    query: str | None = Field(default=None, description="The PubMed query; None when PMIDs were given")
    mindate: str | None = None
    maxdate: str | None = None
    count: int = Field(default=0, description="PubMed's hit count for the query")
    pmids: list[str] = Field(default_factory=list, description="PMIDs to fetch, in PubMed's order")
    batch: int = 200
    max_records: int = 1000
    done: list[int] = Field(default_factory=list, description="Batch numbers already saved")

    def same_request(self, other: PubmedPlan) -> bool:
        """Same query, dates, limit and batch size (and the same PMIDs when they were given)."""
        keys = ("query", "mindate", "maxdate", "batch", "max_records") + (() if self.query else ("pmids",))
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    @property
    def batches(self) -> list[list[str]]:
        return [self.pmids[i:i + self.batch] for i in range(0, len(self.pmids), self.batch)]


def download_dir(settings: Settings, name: str) -> Path:
    """Where the fetched batches and the journal of ``name`` live."""
    return settings.home / "pubmed" / name


async def esearch_pmids(client: EutilsClient, query: str, limit: int, *, mindate: str | None = None,
                        maxdate: str | None = None) -> tuple[int, list[str]]:
    """PubMed's hit count for ``query`` and its first ``limit`` PMIDs (XML esearch, history server on)."""
    params: dict[str, Any] = {"db": "pubmed", "term": query, "usehistory": "y", "retmax": min(limit, ESEARCH_MAX),
                              "retmode": "xml"}
    if mindate or maxdate:
        params.update(datetype="pdat", mindate=mindate or "1800", maxdate=maxdate or "3000")
    rec = parse_xml(await client.call("esearch", params))
    if not isinstance(rec, dict) or "Count" not in rec:
        raise NCBIResponseError("PubMed's esearch answer has no hit count.", kind="unparseable",
                                hint="Check the query on https://pubmed.ncbi.nlm.nih.gov/ and retry.")
    errors = rec.get("ErrorList") or {}
    if errors.get("PhraseNotFound") and not rec.get("IdList"):
        logger.warning("PubMed did not find: %s", ", ".join(map(str, errors["PhraseNotFound"])))
    return int(rec["Count"]), [str(i) for i in rec.get("IdList", [])][:limit]


def estimate(plan: PubmedPlan, has_key: bool) -> dict[str, float | int]:
    """Requests, seconds and bytes a plan will take (rate-limit floor + measured embedding rate)."""
    n = len(plan.pmids)
    requests = len(plan.batches)
    fetch_s = requests / (10.0 if has_key else 3.0)
    return {"records": n, "requests": requests, "fetch_s_min": round(fetch_s, 1),
            "index_s": round(n / EMBED_RECORDS_PER_S, 1), "xml_mb": round(n * XML_BYTES_PER_RECORD / 1e6, 1),
            "index_mb": round(n * INDEX_BYTES_PER_RECORD / 1e6, 1)}


def _journal(folder: Path) -> Path:
    return folder / "journal.json"


def load_journal(folder: Path) -> PubmedPlan | None:
    try:
        return PubmedPlan.model_validate_json(_journal(folder).read_text())
    except (OSError, ValueError):
        return None


def save_journal(folder: Path, plan: PubmedPlan) -> None:
    tmp = _journal(folder).with_suffix(".tmp")
    tmp.write_text(plan.model_dump_json(indent=1))
    os.replace(tmp, _journal(folder))


def batch_file(folder: Path, i: int) -> Path:
    return folder / f"batch_{i:05d}.xml.gz"


def resumable(folder: Path, request: PubmedPlan) -> PubmedPlan | None:
    """The journal's plan when it is for the same request: resume it without searching PubMed again."""
    old = load_journal(folder)
    if old is None or not old.pmids or not old.same_request(request):
        return None
    old.done = [i for i in old.done if batch_file(folder, i).is_file()]  # a batch file deleted since: fetch again
    return old


def resume_or_start(folder: Path, plan: PubmedPlan) -> PubmedPlan:
    """The journal's plan when it is the same request (its finished batches are kept), else ``plan``."""
    old = load_journal(folder)
    if old is not None and old.same_request(plan):
        old.done = [i for i in old.done if batch_file(folder, i).is_file()]
        return old
    if old is not None:
        logger.warning("%s held a download for another request; starting over", folder)
        for f in folder.glob("batch_*.xml.gz"):
            f.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    save_journal(folder, plan)
    return plan


async def fetch_batches(client: EutilsClient, folder: Path, plan: PubmedPlan,
                        on_batch: Callable[[int, int], None] | None = None) -> list[Path]:
    """efetch every batch not yet in the journal, saving each and journalling it at once.

    Args:
        client: The E-utilities client (rate limiter, retries, etiquette).
        folder: The download folder (``download_dir``).
        plan: The plan (``resume_or_start``'s result); its ``done`` grows as batches are saved.
        on_batch: Called with (records in the batch, batch number) after each batch, for progress.

    Returns:
        The batch files, in order.
    """
    for i, ids in enumerate(plan.batches):
        if i in plan.done:
            continue
        body = await client.efetch("pubmed", ids, retmode="xml")
        if b"<PubmedArticleSet" not in body[:2000] and b"<PubmedArticle" not in body:
            raise NCBIResponseError(f"efetch batch {i + 1} is not PubMed XML ({body[:60]!r}).", kind="unparseable",
                                    hint="Rerun the same command later: finished batches are kept.")
        path = batch_file(folder, i)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
        plan.done.append(i)
        save_journal(folder, plan)
        if on_batch is not None:
            on_batch(len(ids), i)
    return [batch_file(folder, i) for i in range(len(plan.batches))]


def read_pmids(path: Path) -> list[str]:
    """PMIDs from a text file (one a line, or separated by commas/spaces); bad tokens are an error."""
    try:
        tokens = path.read_text().replace(",", " ").split()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}.", hint="Pass a text file with one PMID a line.") from e
    bad = [t for t in tokens if not t.isdigit()]
    if bad or not tokens:
        raise InputError(f"{path} holds {'no PMIDs' if not tokens else f'non-PMID tokens such as {bad[0]!r}'}.",
                         hint="Write one numeric PMID a line.")
    return list(dict.fromkeys(tokens))


def summary(plan: PubmedPlan, has_key: bool) -> str:
    """The ``--dry-run`` report: hits, what would be fetched, time and size estimates."""
    est = estimate(plan, has_key)
    what = f"PubMed: {plan.count:,} hits for {plan.query!r}" if plan.query else f"{len(plan.pmids):,} PMIDs given"
    rate = "10/s with ncbi.api_key" if has_key else "3/s; 10/s with ncbi.api_key"
    return (f"{what}; would fetch {est['records']:,} records in {est['requests']} efetch batch(es) of "
            f"{plan.batch}. Estimated: fetch ≥ {est['fetch_s_min']} s at {rate} (plus NCBI's response time), "
            f"index ≈ {est['index_s']} s at {EMBED_RECORDS_PER_S:g} abstracts/s on 2 cores; "
            f"≈ {est['xml_mb']} MB of XML, ≈ {est['index_mb']} MB of index.")


def plan_json(plan: PubmedPlan, has_key: bool) -> dict[str, Any]:
    """The ``--dry-run --json`` object."""
    return {"query": plan.query, "count": plan.count, "batch": plan.batch, **estimate(plan, has_key),
            "pmids_head": plan.pmids[:10]}


async def _fetch(settings: Settings, name: str, request: PubmedPlan, dry_run: bool, progress: bool) -> PubmedPlan:
    from biomedqa.indexes.build import _progress
    from biomedqa.tools.eutils import build_eutils

    folder = download_dir(settings, name)
    plan = None if dry_run else resumable(folder, request)
    if plan is not None:
        logger.warning("resuming %s: %d of %d batches already fetched", name, len(plan.done), len(plan.batches))
    tb = build_eutils(settings)
    try:
        if plan is None:
            plan = request.model_copy()
            if request.query:
                plan.count, plan.pmids = await esearch_pmids(tb.client, request.query, request.max_records,
                                                             mindate=request.mindate, maxdate=request.maxdate)
            if dry_run:
                return plan
            if not plan.pmids:
                raise InputError(f"PubMed found nothing for {request.query!r}.",
                                 hint="Try the query on https://pubmed.ncbi.nlm.nih.gov/, or widen the dates.")
            plan = resume_or_start(folder, plan)
        done = sum(len(b) for i, b in enumerate(plan.batches) if i in plan.done)
        with _progress(progress) as prog:
            task = prog.add_task("fetching from PubMed", total=len(plan.pmids), completed=done) if prog else None
            await fetch_batches(tb.client, folder, plan,
                                on_batch=(lambda n, _i: prog.advance(task, n)) if prog else None)
    finally:
        await tb.aclose()
    return plan


def index_from_pubmed(settings: Settings, name: str, *, query: str | None = None, pmids: list[str] | None = None,
                      max_records: int = 1000, batch: int = 200, mindate: str | None = None,
                      maxdate: str | None = None, dry_run: bool = False, progress: bool = True,
                      embedder: Embedder | None = None) -> tuple[PubmedPlan, IndexInfo | None]:
    """Fetch a PubMed query's records (or given PMIDs) and build the index ``name`` from them.

    Rerunning the same command after a kill resumes: fetched batches are kept, and the build
    reuses the embeddings it saved. ``dry_run`` only searches and returns the plan (no index).

    Raises:
        InputError: a bad name, no query and no PMIDs, or a query without hits.
        NCBIError: NCBI could not be reached or answered with an error (finished batches are kept).
    """
    from biomedqa.api import run_sync
    from biomedqa.indexes.build import build_index
    from biomedqa.indexes.manifest import check_name

    check_name(name)
    if not query and not pmids:
        raise InputError("give a PubMed query or --pmids FILE.", hint='e.g. biomedqa index pubmed "metformin AND '
                         'hba1c" --name metformin')
    request = PubmedPlan(query=query or None, mindate=mindate, maxdate=maxdate, batch=batch, max_records=max_records,
                         pmids=(pmids or [])[:max_records], count=len(pmids or []))
    plan: PubmedPlan = run_sync(_fetch(settings, name, request, dry_run, progress))
    if dry_run:
        return plan, None
    files = [batch_file(download_dir(settings, name), i) for i in range(len(plan.batches))]
    return plan, build_index(files, name, settings, embedder=embedder, progress=progress)
