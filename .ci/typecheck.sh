#!/usr/bin/env bash
# mypy --strict over the installed package layout. The source tree maps agent/, tools/, … to biomedqa.*
# through setuptools package-dir, which mypy cannot follow; a plain (non-editable) install into a temp
# folder puts every module where its import name says, so mypy checks exactly what users import.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
"$PY" -m pip install -q --no-deps --no-build-isolation --target "$site" . >/dev/null
(cd "$site" && "$OLDPWD/$PY" -m mypy --config-file "$OLDPWD/pyproject.toml" --cache-dir "$OLDPWD/.mypy_cache" -p biomedqa)
