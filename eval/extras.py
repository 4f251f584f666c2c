"""Imports of the evaluation-only dependencies (the ``eval`` extra: matplotlib, pytrec-eval-terrier).

``pip install biomedqa`` does not bring them; ``bash .ci/setup.sh`` does (``.[test,ray,eval]``).
A missing one is a one-line :class:`~biomedqa.errors.ConfigError` that says how to install it.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from biomedqa.errors import ConfigError

logger = logging.getLogger(__name__)

EVAL_PACKAGES = {"pytrec_eval": "pytrec-eval-terrier", "matplotlib": "matplotlib"}


def import_eval_dep(module: str) -> ModuleType:
    """``importlib.import_module(module)``, or a ConfigError naming the ``eval`` extra.

    Raises:
        ConfigError: the module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pkg = EVAL_PACKAGES.get(module.split(".")[0], module)
        raise ConfigError(
            f"this evaluation needs {pkg}, which is in the 'eval' extra.",
            hint="Install it: pip install -e '.[eval]'  (bash .ci/setup.sh installs it)",
        ) from e
