"""Options and helpers shared by every CLI command: presets, overrides, replay/record, logging."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from biomedqa.errors import BiomedQAError, ConfigError
from biomedqa.settings import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])
VERBOSITY = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}


def configure_logging(verbosity: int) -> None:
    """Rich handler on our loggers; httpx/httpcore stay at WARNING unless -vvv."""
    from rich.logging import RichHandler

    root = logging.getLogger()
    if not any(isinstance(h, RichHandler) for h in root.handlers):
        handler = RichHandler(console=_stderr_console(), show_path=False, rich_tracebacks=False)
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("biomedqa").setLevel(VERBOSITY.get(verbosity, logging.DEBUG))
    for noisy in ("httpx", "httpcore", "sentence_transformers", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)


@functools.cache
def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def stderr_console() -> Any:
    return _stderr_console()


def settings_options(f: F) -> F:
    """-s PRESET, -o key=value (repeatable), --replay PATH (repeatable), --record PATH."""
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
    f = click.option(
        "-o",
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a setting, e.g. -o llm.model=smollm2-135m.",
    )(f)
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
    settings = get_settings(preset)
    pairs: dict[str, Any] = {}
    for item in sets:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"bad override {item!r}.", hint="Write it as KEY=VALUE, e.g. -o retrieval.k=10")
        pairs[key.strip()] = value.strip()
    for path in replay:
        if str(path) != "geneturing" and not path.exists():  # "geneturing": the recorded GeneTuring cache
            raise ConfigError(f"replay file {path} does not exist.", hint="Pass a recording made with --record.")
    if replay:
        pairs["ncbi.replay"] = [str(p) for p in replay]
        pairs["ncbi.offline"] = True
    if record:
        pairs["ncbi.record"] = str(record)
    pairs.update({k: v for k, v in overrides.items() if v is not None})
    return settings.with_overrides(pairs) if pairs else settings


def handle_errors(f: F) -> F:
    """Turn BiomedQAError into a one-line message and its exit code; never a traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except BiomedQAError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))
