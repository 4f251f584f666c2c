"""The scale report marks what is measured and extrapolates memory and q/s by its stated rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from biomedqa.eval.scale.designs import binarize
from biomedqa.eval.scale.report import write_report
from biomedqa.indexes.rescore import int8_scale, rescore, to_int8


def _steps(out: Path, n: int, qps: float, simulated: int) -> None:
    steps = out / "steps"
    steps.mkdir(parents=True, exist_ok=True)
    (steps / f"base_{n}.json").write_text(json.dumps({"n": n, "real": n - simulated, "simulated": simulated,
                                                       "seed": 0}))
    build = {"step": "build", "n": n, "design": "ivfpq96", "label": "IVF-PQ m=96", "family": "ivf", "train_s": 1.0,
             "build_s": 2.0, "index_bytes": 104 * n + 1_000_000, "fixed_bytes": 1_000_000,
             "ram_bytes_per_vector": 105.0, "build_peak_rss_mb": 10.0}
    serve = {"step": "serve", "n": n, "design": "ivfpq96", "queries": 5, "threads": 2, "rss_before_index_mb": 1.0,
             "serve_peak_rss_mb": 2.0, "settings": [{"setting": "nprobe=64", "rescore": "", "recall_at_10": 0.95,
                                                     "qps_batch1": qps, "qps_batch64": 2 * qps,
                                                     "disk_bytes_per_vector": 0}]}
    (steps / f"build_{n}_ivfpq96.json").write_text(json.dumps(build))
    (steps / f"serve_{n}_ivfpq96.json").write_text(json.dumps(serve))


def test_report_extrapolates_by_its_rules(tmp_path: Path) -> None:
    _steps(tmp_path, 100_000, 1000.0, 80_000)
    _steps(tmp_path, 1_000_000, 100.0, 980_000)
    data = json.loads(write_report(tmp_path).read_text())
    assert {r["status"] for r in data["measured"]} == {"measured"}
    assert {r["data"] for r in data["measured"]} == {"real+simulated"}
    at36 = next(r for r in data["extrapolated"] if r["n"] == 36_000_000)
    assert at36["status"] == "extrapolated" and at36["recall_measured_at"] == 1_000_000
    nlist_growth = (65536 - 4096) * 384 * 4
    assert at36["ram_gb"] == pytest.approx((104 * 36e6 + 1_000_000 + nlist_growth) / 1e9, abs=0.01)
    assert at36["qps_batch1"] == pytest.approx(100.0 / 36, abs=0.05)  # slope -1 through the two sizes
    assert data["chosen_36m"]["design"] == "ivfpq96" and data["chosen_36m"]["recall_measured_at"] == 1_000_000
    assert "extrapolated" in (tmp_path / "scale.md").read_text()
    by_n = data["chosen_36m_by_measured_n"]  # each size's own choice, from the rows measured up to it
    assert by_n["100000"]["recall_measured_at"] == 100_000 and by_n["1000000"]["recall_measured_at"] == 1_000_000


def test_binary_and_int8_rescoring_recover_the_exact_order() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((500, 64)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    q = base[:5] + 0.01
    assert binarize(base).shape == (500, 8)
    exact = np.argsort(-(q @ base.T), axis=1)[:, :3]
    cand = np.tile(np.arange(500), (5, 1))
    scale = int8_scale(base)
    got = rescore(q, cand, to_int8(base, scale), scale, 3)
    assert (got[:, 0] == exact[:, 0]).all()
    assert (rescore(q, cand, base, None, 3) == exact).all()
