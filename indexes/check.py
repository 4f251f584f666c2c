"""Cheap checks on an index name before anything loads (chat's ``/index NAME``, ``index rm``)."""

from __future__ import annotations

import logging
from pathlib import Path

from biomedqa.errors import IndexNotFoundError
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def index_root(settings: Settings, name: str) -> Path:
    """The folder of index ``name`` (the name checked: no path separators, no ``..``).

    Raises:
        InputError: a name that is not a plain folder name.
    """
    from biomedqa.indexes.manifest import check_name

    check_name(name)
    return settings.index_dir / name


def check_index(settings: Settings, name: str | None = None) -> None:
    """Fail now if ``name`` (default ``retrieval.index``) is neither built nor the bundled demo index.

    Raises:
        InputError: a bad name.
        IndexNotFoundError: no finished index of that name.
    """
    from biomedqa.indexes.demo import DEMO_NAME
    from biomedqa.indexes.manifest import MANIFEST

    name = name or settings.retrieval.index
    root = index_root(settings, name)
    if name != DEMO_NAME and not (root / MANIFEST).is_file():
        raise IndexNotFoundError(name, str(settings.index_dir))
