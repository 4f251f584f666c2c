"""The settings plumbing every command shares: ``-s PRESET``, ``-o KEY=VALUE``, ``--replay``, ``--record``.

``-o`` means "override a setting" in every command (``batch`` writes its output with ``--out``);
the old ``--set`` spelling and ``batch -o FILE`` get a one-line migration error.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.help import SETTINGS_ATTR
from biomedqa.cli.output import F, handle_errors
from biomedqa.config_file import Layer, nest
from biomedqa.errors import ConfigError
from biomedqa.settings import Settings, get_settings

logger = logging.getLogger(__name__)

SET_FLAGS = ("-o", "--override")
SET_HELP = "Override a setting (repeatable), e.g. -o llm.model=smollm2-135m; list them: biomedqa config show."
BARE_O_HINT = "Write it as KEY=VALUE, e.g. -o retrieval.k=10"


class UsageLine(click.ClickException):
    """A usage mistake told in one line (no usage block), exit code 2 like click's own usage errors."""

    exit_code = 2


def _removed_set(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    if value:
        raise UsageLine(f"--set is gone: write -o {value[0]} (-o overrides a setting in every command).")
    return value


def settings_options(f: F, *, set_help: str = SET_HELP, ncbi: bool = True) -> F:
    """Add -s PRESET, -o KEY=VALUE (repeatable) and, with ``ncbi``, --replay PATH (repeatable) and --record PATH."""
    if ncbi:
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
            help="Serve NCBI calls from this recording (repeatable; 'geneturing', 'fixtures': recorded sets).",
        )(f)
    f = click.option("--set", "removed_set", multiple=True, hidden=True, expose_value=False, callback=_removed_set)(f)
    f = click.option(*SET_FLAGS, "sets", multiple=True, metavar="KEY=VALUE", help=set_help)(f)
    f = click.option(
        "-s",
        "--preset",
        default=None,
        help="Settings preset: default, fast, debug, gpu, or a .json file  [default: default].",
    )(f)
    return f


def cli_layers(
    sets: tuple[str, ...] = (),
    replay: tuple[Path, ...] = (),
    record: Path | None = None,
    named: dict[str, tuple[str, Any]] | None = None,
    *,
    bare_hint: str = BARE_O_HINT,
) -> list[Layer]:
    """The command line's setting layers, labelled for ``config show``: ``-o`` pairs, then named options.

    Args:
        sets: ``KEY=VALUE`` overrides.
        replay: NCBI recordings to serve from (turns ``ncbi.offline`` on).
        record: File to record live NCBI responses into.
        named: ``{"dotted.key": ("--flag", value)}``; None values are ignored.
        bare_hint: What to say about an ``-o`` item without ``=``.

    Raises:
        ConfigError: a malformed override, a missing replay file, or a replay alias without the shared data.
    """
    pairs: dict[str, Any] = {}
    for item in sets:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"bad override -o {item!r}.", hint=bare_hint)
        pairs[key.strip()] = value.strip()
    if replay:  # a missing file, or an alias ('geneturing', 'fixtures') without the shared data: one line now
        from biomedqa.tools.eutils.replay import resolve_recording

        for path in replay:
            resolve_recording(path)
    layers: list[Layer] = [("-o", pairs)]
    if replay:
        layers.append(("--replay", {"ncbi.replay": [str(p) for p in replay], "ncbi.offline": True}))
    if record:
        layers.append(("--record", {"ncbi.record": str(record)}))
    for key, (flag, value) in (named or {}).items():
        if value is not None:
            layers.append((flag, {key: value}))
    return [(label, pairs) for label, pairs in layers if pairs]


def nested_layers(layers: list[Layer]) -> list[Layer]:
    """Dotted command-line layers as nested dicts, the shape :func:`~biomedqa.settings.setting_sources` reads."""
    return [(label, nest(pairs)) for label, pairs in layers]


def build_settings(
    preset: str | None,
    sets: tuple[str, ...] = (),
    replay: tuple[Path, ...] = (),
    record: Path | None = None,
    *,
    bare_hint: str = BARE_O_HINT,
    **overrides: Any,
) -> Settings:
    """The settings a command line asks for: the preset (under the user config and env), then ``-o``
    pairs, then named options.

    Args:
        preset: Preset name or JSON file (None: defaults and environment).
        sets: ``KEY=VALUE`` overrides.
        replay: NCBI recordings to serve from (turns ``ncbi.offline`` on).
        record: File to record live NCBI responses into.
        bare_hint: What to say about an ``-o`` item without ``=``.
        **overrides: ``{"dotted.key": value}``; None values are ignored.

    Raises:
        ConfigError: a malformed override, a missing replay file, or bad preset/values.
    """
    named = {key: (key, value) for key, value in overrides.items()}
    return settings_from_layers(preset, cli_layers(sets, replay, record, named, bare_hint=bare_hint))


def settings_from_layers(preset: str | None, layers: list[Layer]) -> Settings:
    """``get_settings(preset)`` with the command-line ``layers`` applied over it."""
    settings = get_settings(preset)
    pairs = {k: v for _, layer in layers for k, v in layer.items()}
    settings = settings.with_overrides(pairs) if pairs else settings
    check_home(settings.home)
    return settings


def check_home(home: Path) -> None:
    """Refuse a data dir that is, or lies under, a regular file (before anything tries to write there).

    Raises:
        ConfigError: ``home`` or its nearest existing parent is not a folder.
    """
    p = home
    while not p.exists() and p != p.parent:
        p = p.parent
    if p.exists() and not p.is_dir():
        where = "is a file" if p == home else f"lies under the file {p}"
        raise ConfigError(f"the data dir {home} {where}, not a folder.",
                          hint="Point BIOMEDQA_HOME (or -o home=DIR) at a folder.")


def with_settings(
    *, set_help: str = SET_HELP, bare_hint: str = BARE_O_HINT, ncbi: bool = True, **setting_params: str
) -> Callable[[F], F]:
    """Decorator: add the settings options to a click command and inject ``settings: Settings``.

    Errors (a bad preset or override included) become one line and an exit code, as with
    :func:`~biomedqa.cli.output.handle_errors`, which the decorator applies.

    Args:
        set_help: Help text of ``-o``.
        bare_hint: What to say about an ``-o`` item without ``=`` (``batch``: use ``--out``).
        ncbi: Offer ``--replay`` / ``--record`` (off for commands that never call NCBI).
        **setting_params: Command parameters that set a setting, ``param="dotted.key"``; the
            command does not receive them, and a None value leaves the setting alone.

    Returns:
        The decorator; put it below the command's own ``@click.option`` lines.
    """

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, preset: str | None, sets: tuple[str, ...], **kwargs: Any) -> Any:
            replay, record = kwargs.pop("replay", ()), kwargs.pop("record", None)
            named = {key: ("--" + param.replace("_", "-"), kwargs.pop(param)) for param, key in setting_params.items()}
            layers = cli_layers(sets, replay, record, named, bare_hint=bare_hint)
            return f(*args, settings=settings_from_layers(preset, layers), **kwargs)

        setattr(wrapper, SETTINGS_ATTR, dict(setting_params))  # --help shows each one's setting default

        return settings_options(handle_errors(wrapper), set_help=set_help, ncbi=ncbi)  # type: ignore[return-value]

    return decorate
