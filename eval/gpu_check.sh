#!/usr/bin/env bash
# GPU check, at most 5 minutes on a CUDA machine: GPU extras, FAISS GPU vs CPU on 1M vectors,
# llama.cpp with every layer offloaded (bundled model, and any 7-8B GGUF found), one summary line.
#
#   bash eval/gpu_check.sh [SCALE_CACHE]     # SCALE_CACHE: a `biomedqa eval scale` cache (real+simulated 1M)
#
# Needs the project's .venv (bash .ci/setup.sh). Installs faiss-gpu-cu12 and rebuilds llama-cpp-python
# with CUDA (only for this GPU's architecture, to keep the compile short) unless they are already
# GPU builds; WHEELHOUSE=/dir installs from local wheels on machines without a package index.
# CPU tests never run this.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
START=$(date +%s)
left() { echo $(( 300 - ($(date +%s) - START) )); }
nvidia-smi -L >/dev/null 2>&1 || { echo "gpu_check: no NVIDIA GPU visible (nvidia-smi failed); nothing measured"; exit 3; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
PIPX=(-m pip install -q)
[ -n "${WHEELHOUSE:-}" ] && PIPX+=(--no-index --find-links "$WHEELHOUSE")
if ! $PY -c "import faiss, sys; sys.exit(0 if hasattr(faiss, 'StandardGpuResources') else 1)" 2>/dev/null; then
  echo "installing faiss-gpu-cu12"
  $PY -m pip uninstall -y -q faiss-cpu >/dev/null 2>&1
  timeout $(( $(left) - 200 )) $PY "${PIPX[@]}" "faiss-gpu-cu12>=1.8" || echo "faiss-gpu-cu12 install failed"
fi
if ! $PY -c "import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)" 2>/dev/null \
   && command -v nvcc >/dev/null; then
  echo "rebuilding llama-cpp-python with CUDA (this GPU's architecture only)"
  CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native -DLLAVA_BUILD=OFF" \
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) timeout $(( $(left) - 90 )) \
    $PY "${PIPX[@]}" --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==0.3.36" \
    || echo "llama-cpp-python CUDA build failed or ran out of time; llama parts will be skipped"
fi
timeout $(( $(left) > 30 ? $(left) : 30 )) $PY -m biomedqa.eval.gpu_check "$@"
