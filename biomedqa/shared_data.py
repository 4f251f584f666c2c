"""Where the public evaluation data lives: ``$BIOMEDQA_SHARED_DATA`` or ``../shared/data`` beside the repo."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from biomedqa.errors import SharedDataMissingError

_REPO_ROOT = Path(__file__).resolve().parent.parent


@cache
def shared_data_dir() -> Path:
    env = os.environ.get("BIOMEDQA_SHARED_DATA")
    candidates = [Path(env)] if env else [_REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if (c / "README.md").exists():
            return c.resolve()
    looked = ", ".join(map(str, candidates))
    raise SharedDataMissingError(
        f"shared evaluation data not found (looked in {looked}).",
        path=looked,
        hint="Set BIOMEDQA_SHARED_DATA to the folder that holds pubmedqa/, mirage/, derived/ ...",
    )


def shared_path(*parts: str) -> Path:
    """A file under the shared data dir; a clear error if it is missing."""
    p = shared_data_dir().joinpath(*parts)
    if not p.exists():
        raise SharedDataMissingError(f"shared data file {p} is missing.", path=str(p),
                                     hint="Check BIOMEDQA_SHARED_DATA.")
    return p
