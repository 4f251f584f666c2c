"""The user config file and where each setting came from.

Settings are built from layers, each one over the last: the built-in ``default``, the ``preset``
(``-s NAME``), the ``user config`` file (TOML), the ``BIOMEDQA_*`` environment, then the command
line (``-o KEY=VALUE`` and named options such as ``--model``). The user config lives at
``<user config dir>/biomedqa/config.toml`` (``platformdirs``); ``BIOMEDQA_CONFIG=PATH`` points
elsewhere, and ``BIOMEDQA_CONFIG=`` (empty) turns it off. It has the shape of a JSON preset::

    [llm]
    model = "smollm2-135m"

    [ncbi]
    email = "me@example.org"
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from biomedqa.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

logger = logging.getLogger(__name__)

CONFIG_ENV = "BIOMEDQA_CONFIG"
Layer = tuple[str, dict[str, Any]]


def user_config_path() -> Path | None:
    """Where the user config file is looked for (None: turned off with ``BIOMEDQA_CONFIG=``)."""
    value = os.environ.get(CONFIG_ENV)
    if value is None:
        return Path(user_config_dir("biomedqa")) / "config.toml"
    return Path(value).expanduser() if value.strip() else None


def load_user_config(path: Path | None = None) -> dict[str, Any]:
    """The user config file as a nested dict ({} when there is none).

    Raises:
        ConfigError: the file exists but is not valid TOML or cannot be read.
    """
    path = path if path is not None else user_config_path()
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"user config {path} is not valid TOML: {e}.", hint="Fix it or move it away.") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read user config {path}: {e}.", hint=f"Fix it, or set {CONFIG_ENV}=") from e
    return data


def has_path(data: dict[str, Any], dotted: str) -> bool:
    """Whether the nested dict ``data`` sets the dotted key (or a key below it)."""
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def env_name(dotted: str) -> str:
    """``llm.model`` → ``BIOMEDQA_LLM__MODEL``."""
    return "BIOMEDQA_" + "__".join(p.upper() for p in dotted.split("."))


def sources(keys: list[str], layers: list[Layer]) -> dict[str, str]:
    """For each dotted key, the label of the last layer that set it ("default" when none did)."""
    out = {}
    for key in keys:
        label = "default"
        for name, data in layers:
            if has_path(data, key):
                label = env_name(key) if name == "env" else name
        out[key] = label
    return out


def nest(dotted: dict[str, Any]) -> dict[str, Any]:
    """``{"llm.model": "x"}`` → ``{"llm": {"model": "x"}}`` (for a command-line layer)."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out
