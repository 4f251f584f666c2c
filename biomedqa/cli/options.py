"""The settings plumbing every command shares: ``-s PRESET``, ``-o KEY=VALUE``, ``--replay``, ``--record``.

:func:`with_settings` adds those options to a command, builds the :class:`Settings` they describe
(plus any command option mapped onto a setting) and passes it to the command as ``settings``:

    @click.command()
    @click.option("--model", default=None)
    @with_settings(model="llm.model")
    def ask(question: str, settings: Settings) -> None: ...
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.output import F, handle_errors
from biomedqa.errors import ConfigError
from biomedqa.settings import Settings, get_settings

logger = logging.getLogger(__name__)

SET_FLAGS = ("-o", "--set")
SET_HELP = "Override a setting, e.g. -o llm.model=smollm2-135m."


def settings_options(f: F, *, set_flags: Sequence[str] = SET_FLAGS, set_help: str = SET_HELP) -> F:
    """Add -s PRESET, -o/--set key=value (repeatable), --replay PATH (repeatable), --record PATH."""
    f = click.option(
        "--record",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Save live NCBI responses to this JSONL(.gz) file.",
    )(f)
    f = click.option(
        "--replay",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Serve NCBI calls from this recording (repeatable; 'geneturing': the GeneTuring cache); no network.",
    )(f)
    f = click.option(*set_flags, "sets", multiple=True, metavar="KEY=VALUE", help=set_help)(f)
    f = click.option(
        "-s", "--preset", default=None, help="Settings preset: default, fast, debug, gpu, or a .json file."
    )(f)
    return f


def build_settings(
    preset: str | None,
    sets: tuple[str, ...] = (),
    replay: tuple[Path, ...] = (),
    record: Path | None = None,
    **overrides: Any,
) -> Settings:
    """The settings a command line asks for: the preset, then ``-o`` pairs, then named options.

    Args:
        preset: Preset name or JSON file (None: defaults and environment).
        sets: ``KEY=VALUE`` overrides.
        replay: NCBI recordings to serve from (turns ``ncbi.offline`` on).
        record: File to record live NCBI responses into.
        **overrides: ``{"dotted.key": value}``; None values are ignored.

    Raises:
        ConfigError: a malformed override, a missing replay file, or bad preset/values.
    """
    settings = get_settings(preset)
    pairs: dict[str, Any] = {}
    for item in sets:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"bad override {item!r}.", hint="Write it as KEY=VALUE, e.g. -o retrieval.k=10")
        pairs[key.strip()] = value.strip()
    aliases = ("geneturing", "fixtures")  # the recorded GeneTuring cache; the recorded E-utilities fixtures
    for path in replay:
        if str(path) not in aliases and not path.exists():
            raise ConfigError(f"replay file {path} does not exist.", hint="Pass a recording made with --record.")
    if replay:
        pairs["ncbi.replay"] = [str(p) for p in replay]
        pairs["ncbi.offline"] = True
    if record:
        pairs["ncbi.record"] = str(record)
    pairs.update({k: v for k, v in overrides.items() if v is not None})
    return settings.with_overrides(pairs) if pairs else settings


def with_settings(
    *, set_flags: Sequence[str] = SET_FLAGS, set_help: str = SET_HELP, **setting_params: str
) -> Callable[[F], F]:
    """Decorator: add the settings options to a click command and inject ``settings: Settings``.

    Errors (a bad preset or override included) become one line and an exit code, as with
    :func:`~biomedqa.cli.output.handle_errors`, which the decorator applies.

    Args:
        set_flags: The flags of the ``KEY=VALUE`` override option (``batch`` keeps ``-o`` for its output).
        set_help: Its help text.
        **setting_params: Command parameters that set a setting, ``param="dotted.key"``; the
            command does not receive them, and a None value leaves the setting alone.

    Returns:
        The decorator; put it below the command's own ``@click.option`` lines.
    """

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(
            *args: Any,
            preset: str | None,
            sets: tuple[str, ...],
            replay: tuple[Path, ...],
            record: Path | None,
            **kwargs: Any,
        ) -> Any:
            overrides = {key: kwargs.pop(param) for param, key in setting_params.items()}
            settings = build_settings(preset, sets, replay, record, **overrides)
            return f(*args, settings=settings, **kwargs)

        return settings_options(handle_errors(wrapper), set_flags=set_flags, set_help=set_help)  # type: ignore[return-value]

    return decorate
