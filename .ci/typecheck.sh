#!/usr/bin/env bash
# mypy --strict over the installed package layout. The source tree maps agent/, tools/, … to biomedqa.*
# through setuptools package-dir, which mypy cannot follow; a plain (non-editable) install into a temp
# folder puts every module where its import name says, so mypy checks exactly what users import.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
site="$(mktemp -d)"
# pip builds in ./build; remove it unless it was there before, so no stale module survives into a later check
if [ -e build ]; then keep_build=1; else keep_build=0; fi
trap 'rm -rf "$site"; [ "$keep_build" = 1 ] || rm -rf build' EXIT
"$PY" -m pip install -q --no-deps --no-build-isolation --target "$site" . >/dev/null
(cd "$site" && "$OLDPWD/$PY" -m mypy --config-file "$OLDPWD/pyproject.toml" --cache-dir "$OLDPWD/.mypy_cache" -p biomedqa)
