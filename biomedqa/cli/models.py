"""``biomedqa models``: list the models this machine can use, and prepare one before the first question."""

from __future__ import annotations

import logging

import click

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
