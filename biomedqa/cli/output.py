"""What every command prints through: logging on stderr, one-line errors with exit codes, JSON."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from biomedqa.errors import BiomedQAError, StorageError

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


def storage_error(e: OSError) -> BiomedQAError:
    """One line that says what to do about a file-system error (exit code 8); connection errors exit 1."""
    path = str(e.filename) if e.filename else ""
    at = f" {path}" if path else ""
    blocked = "Choose another path, or check that BIOMEDQA_HOME and output paths point at folders, not files."
    if isinstance(e, (ConnectionError, TimeoutError)):
        return BiomedQAError(f"connection failed: {e.strerror or e}.", hint="Check the server and the network.")
    if isinstance(e, PermissionError) or e.errno in (errno.EACCES, errno.EPERM):
        return StorageError(f"permission denied:{at}.", path=path,
                            hint="Choose a path in a folder you can write, or fix its permissions.")
    if e.errno == errno.EROFS:
        return StorageError(f"read-only file system:{at}.", path=path, hint="Choose a path on a writable disk.")
    if isinstance(e, FileExistsError):
        return StorageError(f"cannot create{at}: a file with that name is in the way.", path=path, hint=blocked)
    if isinstance(e, NotADirectoryError):
        return StorageError(f"cannot use{at}: part of this path is a file, not a folder.", path=path, hint=blocked)
    if isinstance(e, IsADirectoryError):
        return StorageError(f"{path or 'the path'} is a folder, not a file.", path=path, hint="Give a file path.")
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(f"no space left on the device writing{at}.", path=path,
                            hint="Free disk space or choose a path on another disk.")
    if isinstance(e, FileNotFoundError):
        return StorageError(f"no such file or folder:{at}.", path=path, hint="Check the path.")
    what = e.strerror or type(e).__name__
    return StorageError(f"{what}:{at}.", path=path, hint="Check the path, its permissions and the disk.")


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
    """Turn BiomedQAError and OSError into a one-line message and an exit code; never a traceback.

    Exit codes: the error's ``exit_code`` (2 input/settings, 3 index, 4 NCBI, 5 SQL, 6 no evidence,
    7 model), 8 for files and folders that cannot be read or written, 130 for Ctrl-C, 141 when
    stdout was closed early (a broken pipe, silently).
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except BiomedQAError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # stdout closed early (``| head``): stop quietly, as shell tools do
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as e:
            err = storage_error(e)
            logger.debug("%s", err, exc_info=e)
            click.echo(f"Error: {err}", err=True)
            if isinstance(err, StorageError):
                sys.exit(8)  # StorageError.exit_code
            sys.exit(1)  # a connection error
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def echo_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout (non-JSON values as ``str``)."""
    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))
