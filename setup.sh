#!/usr/bin/env bash
# README command 1 starts here: create .venv and install biomedqa with its bundled models and test
# tools (everything is in .ci/setup.sh; idempotent, so rerunning skips what is already there).
set -euo pipefail
exec bash "$(dirname "$0")/.ci/setup.sh" "$@"
