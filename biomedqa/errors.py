"""Typed errors. Every error a user can cause is a ``BiomedQAError`` whose message is one line
that says what to do; the CLI prints it without a traceback and exits with ``exit_code``."""

from __future__ import annotations


class BiomedQAError(Exception):
    """Root of all biomedqa errors."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip() if hint else message)


class ConfigError(BiomedQAError):
    """Bad settings, unknown preset, unknown model name, bad CLI value."""

    exit_code = 2


class InputError(BiomedQAError):
    """Bad user input: empty or enormous question, unreadable file, missing CSV column."""

    exit_code = 2


class ModelNotFoundError(ConfigError):
    """A model name or path that cannot be resolved to weights on this machine."""


class SharedDataMissingError(ConfigError):
    """The public evaluation data (``$BIOMEDQA_SHARED_DATA`` or ``../shared/data``), or a file in it, is absent.

    Raised by what needs it (``--replay geneturing``, ``eval`` suites); a clone without the data skips
    the tests that end in this error.
    """

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        self.path = path  # the folder looked in (several: comma-separated), or the missing file
        super().__init__(message, hint=hint)


class IndexNotFoundError(BiomedQAError):
    """The named index does not exist under the data dir."""

    exit_code = 3

    def __init__(self, name: str, where: str) -> None:
        self.name = name
        super().__init__(
            f"no index named {name!r} in {where}.",
            hint=f"Build it with: biomedqa index build CORPUS --name {name}  (see: biomedqa index list)",
        )


class IndexCorruptError(BiomedQAError):
    """An index folder whose files do not match its manifest (checksums, dims, counts)."""

    exit_code = 3


class NCBIError(BiomedQAError):
    """An E-utilities/BLAST call failed (HTTP status, error body, or unparseable body)."""

    exit_code = 4

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(message, hint=hint)


class ReplayMissError(NCBIError):
    """Replay mode got a request that no recording holds."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"no recorded NCBI response for request {key}.",
            hint="Record one with --record PATH on a machine that is online, or add a --replay file that has it.",
        )


class UnsafeSQLError(BiomedQAError):
    """SQL that is not a single read-only SELECT over known tables."""

    exit_code = 5

    def __init__(self, message: str, *, sql: str = "") -> None:
        self.sql = sql
        super().__init__(message)


class SQLExecutionError(BiomedQAError):
    """A guarded SELECT failed to run (syntax, unknown column, timeout)."""

    exit_code = 5

    def __init__(self, message: str, *, sql: str = "") -> None:
        self.sql = sql
        super().__init__(message)


class SQLResourceError(SQLExecutionError):
    """A query stopped for resources (timeout, size limit, memory); the repair loop never re-runs it."""

    def __init__(self, message: str, *, sql: str = "", limit: str = "") -> None:
        self.limit = limit  # "timeout" | "length" | "cell" | "result" | "memory"
        super().__init__(message, sql=sql)


class NoEvidenceError(BiomedQAError):
    """Retrieval and tools found nothing to answer from, and ``agent.require_evidence`` is on."""

    exit_code = 6


class LLMError(BiomedQAError):
    """The local model failed to load or to produce output."""

    exit_code = 7


class StorageError(BiomedQAError):
    """A file or folder that cannot be read or written (permissions, a file where a folder must be, full disk)."""

    exit_code = 8

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        self.path = path
        super().__init__(message, hint=hint)


class NCBIResponseError(NCBIError):
    """An NCBI body that is an error message, an HTML page, or truncated beyond repair."""

    def __init__(self, message: str, *, kind: str, status: int | None = None, hint: str | None = None) -> None:
        self.kind = kind  # "error" | "html" | "truncated" | "empty" | "unparseable"
        super().__init__(message, status=status, hint=hint)


class BlastError(NCBIError):
    """A BLAST URL-API search failed, expired (UNKNOWN RID) or did not finish in time."""
