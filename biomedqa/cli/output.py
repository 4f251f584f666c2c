"""What every command prints through: logging on stderr, one-line errors with exit codes, JSON."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from biomedqa.errors import BiomedQAError

logger = logging.getLogger(__name__)

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
    """The shared rich Console on stderr (progress bars, spinners, log lines)."""
    return _stderr_console()


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
    """Print ``obj`` as indented JSON on stdout (non-JSON values as ``str``)."""
    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))
