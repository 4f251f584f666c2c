"""The ``biomedqa`` click group. Commands live beside what they drive and load lazily."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

from biomedqa.cli.help import polish
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
    "calibrate": "biomedqa.cli.calibrate:calibrate_group",
    "config": "biomedqa.cli.config:config_group",
    "logs": "biomedqa.cli.history:logs",
}
VERBOSITY_KEY = "biomedqa.verbosity"


def _verbosity(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """-v / -q given after a subcommand: add to (or take from) the level set before it."""
    if value:
        root = ctx.find_root()
        step = value if param.name == "verbose_after" else -value
        root.meta[VERBOSITY_KEY] = root.meta.get(VERBOSITY_KEY, 0) + step
        configure_logging(root.meta[VERBOSITY_KEY])
    return value


def add_verbosity_options(cmd: click.Command) -> None:
    """Accept ``-v`` / ``-q`` on ``cmd`` as well as before it (unless it has such flags of its own)."""
    taken = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
    if not taken & {"-v", "--verbose", "-q", "--quiet"}:
        cmd.params.append(click.Option(["-v", "--verbose", "verbose_after"], count=True, expose_value=False,
                                       callback=_verbosity, help="More log output on stderr (-vv debug)."))
        cmd.params.append(click.Option(["-q", "--quiet", "quiet_after"], count=True, expose_value=False,
                                       callback=_verbosity, help="Only errors on stderr."))


def _path(ctx: click.Context, name: str) -> str:
    return " ".join([*ctx.command_path.split()[1:], name])


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

                return polish(unavailable, _path(ctx, cmd_name))
            return polish(cmd, _path(ctx, cmd_name))
        found = super().get_command(ctx, cmd_name)
        return polish(found, _path(ctx, cmd_name)) if found is not None else None


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="-v info, -vv debug, -vvv also HTTP (also after the command).")
@click.option("-q", "--quiet", count=True, help="Only errors on stderr (also after the command).")
@click.version_option(package_name="biomedqa")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """biomedqa: local, private biomedical question answering with PMID citations.

    \b
    Example:
      biomedqa ask "Does metformin lower HbA1c?"
    """
    ctx.meta[VERBOSITY_KEY] = verbose - quiet
    configure_logging(verbose - quiet)


def main() -> None:
    """The ``biomedqa`` console script."""
    cli(prog_name="biomedqa")
