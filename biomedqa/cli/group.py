"""The ``biomedqa`` click group. Commands live beside what they drive and load lazily."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

from biomedqa.cli.output import configure_logging

logger = logging.getLogger(__name__)

COMMANDS: dict[str, str] = {
    "ask": "biomedqa.cli.ask:ask",
    "chat": "biomedqa.chat.repl:chat",
    "batch": "biomedqa.batch.command:batch_command",
    "doctor": "biomedqa.cli.doctor:doctor",
    "models": "biomedqa.cli.local:models",
    "index": "biomedqa.indexes.commands:index_group",
    "eval": "biomedqa.eval.commands:eval_group",
    "sql": "biomedqa.tools.sql.commands:sql_command",
    "trace": "biomedqa.cli.local:trace",
    "verify": "biomedqa.cli.verify:verify_command",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used (fast --help, light start)."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            try:
                cmd = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as e:
                reason = f"{type(e).__name__}: {e}"

                @click.command(
                    cmd_name, help=f"(unavailable: {reason})", context_settings={"ignore_unknown_options": True}
                )
                @click.argument("args", nargs=-1, type=click.UNPROCESSED)
                def unavailable(args: tuple[str, ...]) -> None:
                    raise click.ClickException(
                        f"command {cmd_name!r} is unavailable ({reason}); reinstall: bash .ci/setup.sh"
                    )

                return unavailable
            return cmd  # type: ignore[no-any-return]
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="-v info, -vv debug, -vvv also HTTP.")
@click.version_option(package_name="biomedqa")
def cli(verbose: int) -> None:
    """biomedqa: local, private biomedical question answering with PMID citations."""
    configure_logging(verbose)


def main() -> None:
    """The ``biomedqa`` console script."""
    cli(prog_name="biomedqa")
