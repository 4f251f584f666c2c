"""``biomedqa ask``, ``biomedqa models`` and ``biomedqa trace`` (thin: parse, call the API, print)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from biomedqa.cli_common import build_settings, echo_json, handle_errors, settings_options, stderr_console
from biomedqa.types import Answer


def _parse_options(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise click.BadParameter(f"{item!r}: write options as LETTER=TEXT, e.g. -O A=yes", param_hint="--option")
        out[key.strip()] = value.strip()
    return out


@click.command()
@click.argument("question")
@click.option("--index", default=None, help="Index name (see: biomedqa index list).")
@click.option("--model", default=None, help="Model name, .gguf path, or hf:REPO/FILE.")
@click.option("--db", default=None, help="SQLAlchemy URL of a database for the SQL tool.")
@click.option(
    "-O", "--option", "options", multiple=True, metavar="LETTER=TEXT", help="Answer options (multiple choice)."
)
@click.option("--format", "fmt", type=click.Choice(["free", "yesno", "yesnomaybe", "choice"]), default=None)
@click.option("--hyde/--no-hyde", default=None, help="HyDE query expansion (default: from settings).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option(
    "--trace",
    "trace_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the run's trace (plan, tool calls, retrieved ids, drafts, verdicts) as JSON.",
)
@settings_options
@handle_errors
def ask(
    question: str,
    index: str | None,
    model: str | None,
    db: str | None,
    options: tuple[str, ...],
    fmt: str | None,
    hyde: bool | None,
    as_json: bool,
    trace_path: Path | None,
    preset: str | None,
    sets: tuple[str, ...],
    replay: tuple[Path, ...],
    record: Path | None,
) -> None:
    """Answer QUESTION with citations from the local index and tools."""
    from biomedqa.api import Agent

    settings = build_settings(
        preset,
        sets,
        replay,
        record,
        **{"retrieval.index": index, "llm.model": model, "sql.url": db, "retrieval.hyde": hyde},
    )
    with Agent(settings) as agent:
        if as_json:
            answer = agent.ask(question, options=_parse_options(options) or None, format=fmt)  # type: ignore[arg-type]
        else:
            with stderr_console().status("thinking…"):
                answer = agent.ask(question, options=_parse_options(options) or None, format=fmt)  # type: ignore[arg-type]
    if trace_path:
        trace_path.write_text(answer.model_dump_json(indent=2))
    if as_json:
        echo_json(answer.to_public())
    else:
        _render(answer)


def _render(answer: Answer) -> None:
    """Answer text, then a table of citations with titles and PubMed links, then timings."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(answer.text, markup=False)
    if answer.citations:
        table = Table(show_header=True, header_style="bold", box=None)
        for col in ("cited", "title", "link"):
            table.add_column(col)
        for c in answer.citations:
            table.add_row(f"PMID:{c.pmid}" if c.pmid else c.doc_id, (c.title or c.quote)[:70], c.url or "")
        console.print(table)
    verdicts = ", ".join(f"{s.verdict}" for s in answer.support)
    console.print(
        f"[dim]grounded={answer.grounded} ({verdicts or 'no verdicts'}); {answer.timings.get('total', 0):.1f}s[/dim]"
    )


@click.group()
def models() -> None:
    """List and prepare local models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def models_list(as_json: bool) -> None:
    """Models this machine can use."""
    from biomedqa.models import installed_models
    from biomedqa.settings import get_settings

    rows = installed_models(get_settings().cache_dir)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['name']:32} {r['kind']:9} {'yes' if r['available'] else 'no ':4} {r.get('size_mb', r.get('dim', ''))}"
        )


@models.command("fetch")
@click.argument("name", default="default")
@handle_errors
def models_fetch(name: str) -> None:
    """Assemble (and checksum) or download model NAME once, so the first question is fast."""
    from biomedqa.models import resolve_gguf
    from biomedqa.settings import get_settings

    settings = get_settings()
    path = resolve_gguf(settings.llm.model if name == "default" else name, settings.cache_dir)
    click.echo(str(path))


@click.group()
def trace() -> None:
    """Inspect and replay saved run traces."""


@trace.command("show")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def trace_show(path: Path) -> None:
    """Print the steps of a saved trace."""
    from biomedqa.agent.replay import load_trace

    t = load_trace(path)
    click.echo(f"run {t.run_id}: {t.question}")
    for ev in t.events:
        if ev.kind in {"node", "llm"}:
            what = ev.data.get("summary") or (ev.data.get("reply") or "")[:100].replace("\n", " ")
            click.echo(f"  {ev.kind:4} {ev.name:12} {ev.seconds:7.2f}s  {what}")


@trace.command("replay")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def trace_replay(path: Path, as_json: bool) -> None:
    """Re-run a saved trace offline (model, retrieval and tools served from the trace)."""
    from biomedqa.agent.replay import load_trace, replay_deps
    from biomedqa.api import Agent
    from biomedqa.settings import Settings

    t = load_trace(path)
    original = json.loads(path.read_text())
    settings = Settings.model_validate(t.settings) if t.settings else build_settings(None)
    inputs = next((e.data for e in t.events if e.kind == "run" and e.name == "inputs"), {})
    with Agent(deps=replay_deps(t, settings)) as agent:
        answer = agent.ask(t.question, options=inputs.get("options") or None, format=inputs.get("format"))
    same = answer.text == original.get("text", answer.text)
    if as_json:
        echo_json({"answer": answer.text, "same_as_recorded": same, "pmids": answer.pmids})
    else:
        click.echo(answer.text)
        click.echo(f"same as recorded: {same}")
