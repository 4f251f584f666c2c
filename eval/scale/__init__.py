"""``biomedqa eval scale``: FAISS index designs measured at 100k-1M vectors, extrapolated to PubMed size.

Modules: :mod:`vectors` (real MiniLM embeddings cached once, a mixture fitted to them for the
simulated rest, exact ground truth), :mod:`designs` (the index designs), :mod:`worker` (one build or
serve step per subprocess, so peak RSS is per design), :mod:`runner` (the command, resume, tables).
"""
