"""What every command prints through: logging on stderr, one-line errors with exit codes, JSON."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from biomedqa.errors import BiomedQAError

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
VERBOSITY = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}


def configure_logging(verbosity: int) -> None:
    """Rich handler on stderr for our loggers (-1: errors only); httpx/httpcore stay at WARNING unless
    -vvv; transformers, sentence-transformers and huggingface_hub log errors only and draw no
    progress bars unless -vv."""
    from rich.logging import RichHandler

    root = logging.getLogger()
    if not any(isinstance(h, RichHandler) for h in root.handlers):
        handler = RichHandler(console=_stderr_console(), show_path=False, rich_tracebacks=False)
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    if verbosity < 2:  # "Loading weights" bars from transformers/huggingface_hub (stderr, but noise)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    level = logging.ERROR if verbosity < 0 else VERBOSITY.get(verbosity, logging.DEBUG)
    logging.getLogger("biomedqa").setLevel(level)
    for noisy in ("httpx", "httpcore", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
    for chatty in ("sentence_transformers", "transformers", "huggingface_hub"):  # "weights not initialized" …
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbosity >= 3 else logging.INFO if verbosity == 2
                                           else logging.ERROR)


@functools.cache
def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def stderr_console() -> Any:
    """The shared rich Console on stderr (progress bars, spinners, log lines)."""
    return _stderr_console()


PIPE_WIDTH = 100_000  # "unlimited": a pipe or file gets whole lines, never a table cut at 80 columns


def stdout_console(**kwargs: Any) -> Any:
    """A rich Console on stdout: the terminal's width on a terminal, unlimited on a pipe or a file
    (so tables, URLs and run names stay whole for ``grep`` and ``less -S``)."""
    from rich.console import Console

    console = Console(**kwargs)
    if not console.is_terminal:
        console = Console(width=PIPE_WIDTH, **kwargs)
    return console


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
