"""``biomedqa index build | pubmed | merge | list | info | rm``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json, stdout_console
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def _row(info: Any) -> dict[str, Any]:
    return {"name": info.name, "docs": info.docs, "records": info.records, "embedder": info.embedder,
            "dim": info.dim, "kind": info.kind, "created": info.created, "path": info.path}


@click.group("index")
def index_group() -> None:
    """Build and inspect local FAISS + BM25 indexes."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="Index name (a folder under the data dir).")
@click.option("--shards", type=click.IntRange(min=1), default=None,
              help="Write K independent shards (default: index.shards, 1).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Chunk + embed locally or on Ray Data (default: index.engine).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Ray embedding actors.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("-y", "--yes", is_flag=True, help="Replace an index of that name built from other files without asking.")
@with_settings(ncbi=False, shards="index.shards", engine="index.engine", workers="index.ray_workers")
def build_command(paths: tuple[Path, ...], name: str, as_json: bool, yes: bool, settings: Settings) -> None:
    """Index JSONL(.gz), PubMed XML(.gz) or MEDLINE files (rerun to resume an interrupted build).

    \b
    Example:
      biomedqa index build corpus.jsonl.gz --name mine && biomedqa ask "Q?" --index mine
    """
    from biomedqa.indexes import build_index
    from biomedqa.indexes.manage import replaced_sources

    old = replaced_sources(settings, name, paths)
    if old is not None:
        shown = ", ".join(old[:3]) + (f" and {len(old) - 3} more" if len(old) > 3 else "")
        click.echo(f"Warning: index '{name}' was built from other files ({shown}); this build replaces it.", err=True)
        if not yes and sys.stdin.isatty() and not click.confirm("Replace it?", default=False, err=True):
            raise SystemExit(1)
    info = build_index(list(paths), name, settings, progress=not as_json)
    if as_json:
        echo_json(info.model_dump(mode="json"))
        return
    note = f", {info.skipped} malformed skipped" if info.skipped else ""
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in info.timings.items())
    click.echo(f"Indexed {info.docs} docs ({info.records} records{note}) in {info.seconds:.1f} s "
               f"({info.docs_per_s:.1f} docs/s; {stages}) → {info.path}")
    shards_note = f" in {len(info.shards)} shards" if info.shards else ""
    click.echo(f"FAISS design: {info.kind}{shards_note} ({info.design.get('reason', '')})")


@index_group.command("pubmed")
@click.argument("query", required=False)
@click.option("--name", required=True, help="Index name (a folder under the data dir).")
@click.option("--max", "max_records", type=click.IntRange(1, 10_000), default=1000, show_default=True,
              help="Records to fetch (PubMed's esearch gives at most 10,000 per query).")
@click.option("--mindate", default=None, help="Earliest publication date, YYYY[/MM[/DD]].")
@click.option("--maxdate", default=None, help="Latest publication date, YYYY[/MM[/DD]].")
@click.option("--batch", type=click.IntRange(1, 10_000), default=200, show_default=True,
              help="Records per efetch request.")
@click.option("--pmids", "pmids_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fetch these PMIDs (a text file, one a line) instead of searching.")
@click.option("--dry-run", is_flag=True, help="Only search: print the hit count and the time and size estimates.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (--dry-run) or the manifest as JSON.")
@with_settings()
def pubmed_command(query: str | None, name: str, max_records: int, mindate: str | None, maxdate: str | None,
                   batch: int, pmids_file: Path | None, dry_run: bool, as_json: bool, settings: Settings) -> None:
    """Build an index from a PubMed QUERY: esearch, efetch in batches, then the normal build.

    Rerun the same command after a kill to resume. Example:
    biomedqa index pubmed "metformin AND hba1c" --name metformin --max 500 --mindate 2015
    """
    from biomedqa.indexes.from_pubmed import index_from_pubmed, plan_json, read_pmids, summary

    pmids = read_pmids(pmids_file) if pmids_file else None
    plan, info = index_from_pubmed(settings, name, query=query, pmids=pmids, max_records=max_records, batch=batch,
                                   mindate=mindate, maxdate=maxdate, dry_run=dry_run, progress=not as_json)
    has_key = settings.ncbi.api_key is not None
    if info is None:
        if as_json:
            echo_json(plan_json(plan, has_key))
        else:
            click.echo(summary(plan, has_key))
        return
    if as_json:
        echo_json(info.model_dump(mode="json"))
        return
    what = f"{plan.count:,} PubMed hits for {plan.query!r}" if plan.query else f"{len(plan.pmids):,} PMIDs"
    click.echo(f"Fetched {len(plan.pmids):,} records of {what} in {len(plan.batches)} batch(es); indexed "
               f"{info.docs} docs ({info.records} records) in {info.seconds:.1f} s → {info.path}")
    click.echo(f"Ask it: biomedqa ask \"...\" --index {name}")


@index_group.command("merge")
@click.argument("sources", nargs=-1, required=True)
@click.option("--name", required=True, help="Name of the merged index.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@with_settings(ncbi=False)
def merge_command(sources: tuple[str, ...], name: str, as_json: bool, settings: Settings) -> None:
    """Join indexes built elsewhere (folders or names) into one sharded index; BM25 gets global statistics."""
    from biomedqa.indexes.merge import merge_indexes

    info = merge_indexes(settings, name, list(sources))
    if as_json:
        echo_json(info.model_dump(mode="json"))
        return
    click.echo(f"Merged {len(info.shards)} shards ({info.docs} docs, {info.records} records) in "
               f"{info.seconds:.1f} s → {info.path}")


@index_group.command("list", epilog="\b\nExample:\n  biomedqa index list --json")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of manifests.")
@with_settings(ncbi=False)
def list_command(as_json: bool, settings: Settings) -> None:
    """List the indexes in the data dir."""
    from biomedqa.indexes import list_indexes

    rows = [_row(i) for i in list_indexes(settings)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"No indexes in {settings.index_dir}. Build one: biomedqa index build CORPUS --name NAME")
        return
    from rich.table import Table

    table = Table("name", "docs", "records", "embedder", "kind", "created")
    for r in rows:
        table.add_row(r["name"], str(r["docs"]), str(r["records"]), f"{r['embedder']} ({r['dim']})", r["kind"],
                      r["created"])
    _print(table)


@index_group.command("info", epilog="\b\nExample:\n  biomedqa index info demo")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@with_settings(ncbi=False)
def info_command(name: str, as_json: bool, settings: Settings) -> None:
    """Show one index's manifest (after checking its files)."""
    from biomedqa.indexes import open_index

    index = open_index(settings, name)
    info = index.info
    index.close()
    if as_json:
        echo_json(info.model_dump(mode="json"))
        return
    for key, value in _row(info).items():
        click.echo(f"{key:10} {value}")
    click.echo(f"{'faiss':10} {info.faiss_class}")
    click.echo(f"{'bm25':10} stemmer={info.tokenizer.get('stemmer')} k1={info.build.get('bm25_k1')} "
               f"b={info.build.get('bm25_b')}")
    click.echo(f"{'chunking':10} {info.build.get('chunk_words')} words, overlap {info.build.get('chunk_overlap')}")
    click.echo(f"{'built in':10} {info.seconds:.1f} s ({info.docs_per_s:.1f} docs/s)")
    for src in info.sources:
        click.echo(f"{'source':10} {src.path} ({src.bytes} bytes, sha256 {src.sha256[:12]}…)")


@index_group.command("rm", epilog="\b\nExample:\n  biomedqa index rm old-corpus")
@click.argument("name")
@with_settings(ncbi=False)
def rm_command(name: str, settings: Settings) -> None:
    """Delete the index NAME (its folder under the data dir); the embedding cache is kept."""
    from biomedqa.indexes.manage import remove_index

    click.echo(f"Removed index '{name}' ({remove_index(settings, name)}).")


def _print(renderable: Any) -> None:

    stdout_console().print(renderable)
