"""``biomedqa config show | path``: the settings in effect, where each value came from, and the user config file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.options import cli_layers, nested_layers, settings_from_layers, settings_options
from biomedqa.cli.output import echo_json, handle_errors, stdout_console
from biomedqa.config_file import CONFIG_ENV, user_config_path
from biomedqa.settings import Settings, leaf_keys, setting_sources

logger = logging.getLogger(__name__)


def flat_values(settings: Settings) -> dict[str, Any]:
    """Every dotted setting and its value as JSON; a secret shows as ``"***"`` when set."""
    data = settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key in leaf_keys():
        node: Any = data
        for part in key.split("."):
            node = node[part]
        out[key] = node
    if settings.ncbi.api_key is not None:
        out["ncbi.api_key"] = "***"
    return out


def explain(preset: str | None, sets: tuple[str, ...], replay: tuple[Path, ...], record: Path | None,
            ) -> list[dict[str, Any]]:
    """Rows ``{"key", "value", "source"}`` for the settings this command line would run with."""
    layers = cli_layers(sets, replay, record)
    settings = settings_from_layers(preset, layers)
    where = setting_sources(preset, nested_layers(layers))
    return [{"key": k, "value": v, "source": where[k]} for k, v in flat_values(settings).items()]


@click.group("config")
def config_group() -> None:
    """Show the settings in effect and where each one came from."""


@config_group.command(
    "show",
    epilog="\b\nExamples:\n  biomedqa config show\n  biomedqa config show -s fast -o retrieval.k=12 --changed",
)
@click.option("--changed", is_flag=True, help="Only settings that differ from the built-in defaults.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {key, value, source}.")
@settings_options
@handle_errors
def show_command(
    changed: bool, as_json: bool, preset: str | None, sets: tuple[str, ...], replay: tuple[Path, ...],
    record: Path | None,
) -> None:
    """Print every setting in effect and its source: default, preset NAME, user config, BIOMEDQA_* or -o.

    Sources, lowest first: the built-in defaults, the preset (-s), the user config file (TOML; see
    biomedqa config path), BIOMEDQA_* environment variables, then -o KEY=VALUE on the command line.
    """
    rows = explain(preset, sets, replay, record)
    if changed:
        rows = [r for r in rows if r["source"] != "default"]
    if as_json:
        echo_json(rows)
        return
    from rich.table import Table

    table = Table("setting", "value", "from", box=None, pad_edge=False)
    for r in rows:
        value = r["value"]
        table.add_row(r["key"], value if isinstance(value, str) else str(value), r["source"])
    console = stdout_console(highlight=False)
    path = user_config_path()
    found = "found" if path and path.is_file() else "not found"
    console.print(f"user config: {path or f'off ({CONFIG_ENV}= is empty)'} ({found})", soft_wrap=True)
    console.print(table)


@config_group.command("path", epilog="\b\nExample:\n  $EDITOR \"$(biomedqa config path)\"")
@handle_errors
def path_command() -> None:
    """Print where the user config file is read from (TOML; BIOMEDQA_CONFIG=PATH moves it)."""
    path = user_config_path()
    if path is None:
        raise click.ClickException(f"the user config file is off ({CONFIG_ENV} is set and empty).")
    click.echo(str(path))
