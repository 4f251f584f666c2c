"""``biomedqa models`` (list the models this machine can use, prepare one) and ``biomedqa trace``
(print a saved run trace, or re-run it offline from what it recorded)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from biomedqa.cli.options import build_settings
from biomedqa.cli.output import echo_json, handle_errors

logger = logging.getLogger(__name__)


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
