"""The scale report: the measured design table, and memory/q/s extrapolated to 36M and 100M vectors.

Extrapolation rules (every extrapolated cell is marked ``extrapolated``):
- RAM: ``(index bytes - fixed bytes) / N`` measured at the largest N, times the target N, plus the
  fixed part at the target (IVF centroids at the target's ``nlist``, codebooks, OPQ matrix).
- q/s: a power law through the two measured sizes (same design and setting); with one size,
  the textbook exponent of the family (flat and binary flat -1, IVF -0.5, HNSW -0.1).
- Recall is never extrapolated: the 36M rows carry the recall measured at the largest N.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from biomedqa.eval.scale.designs import DESIGNS, nlist_for

TARGETS = (36_000_000, 100_000_000)
BUDGET_GB = 8.0
DIM = 384
EXPONENT = {"flat": -1.0, "binary": -1.0, "ivf": -0.5, "hnsw": -0.1}


def _load(out: Path) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]], list[dict[str, Any]]]:
    steps = out / "steps"
    rows, bases, prep = [], {}, []
    for p in sorted(steps.glob("*.json")):
        data = json.loads(p.read_text())
        if p.name.startswith("base_"):
            bases[int(data["n"])] = data
        elif data.get("step") in ("quantizer", "int8"):
            prep.append(data)
    for p in sorted(steps.glob("serve_*.json")):
        serve = json.loads(p.read_text())
        build = json.loads((steps / p.name.replace("serve_", "build_")).read_text())
        for s in serve["settings"]:
            rows.append({**{k: v for k, v in build.items() if k != "step"}, **s,
                         "serve_peak_rss_mb": serve["serve_peak_rss_mb"],
                         "rss_before_index_mb": serve["rss_before_index_mb"],
                         "index_rss_mb": serve.get("index_rss_mb"),
                         "threads": serve["threads"], "queries": serve["queries"],
                         "data": "real" if bases.get(build["n"], {}).get("simulated") == 0 else "real+simulated",
                         "simulated": bases.get(build["n"], {}).get("simulated"), "status": "measured"})
    return rows, bases, prep


def _fixed_at(row: dict[str, Any], n: int) -> float:
    fixed = float(row["fixed_bytes"])
    if row["family"] == "ivf":
        fixed += (nlist_for(n) - nlist_for(row["n"])) * DIM * 4
    return fixed


def extrapolate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One extrapolated row per (design, setting, target) from the largest measured N."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r["design"], r["setting"]), []).append(r)
    out = []
    for (design, setting), rs in by_key.items():
        rs.sort(key=lambda r: r["n"])
        last = rs[-1]
        per_vec = (last["index_bytes"] - last["fixed_bytes"]) / last["n"]
        for target in TARGETS:
            qps = {}
            for key in ("qps_batch1", "qps_batch64"):
                if len(rs) >= 2 and rs[0][key] > 0 and last[key] > 0 and last["n"] > rs[0]["n"]:
                    slope = math.log(last[key] / rs[0][key]) / math.log(last["n"] / rs[0]["n"])
                    rule = f"power law {rs[0]['n']}→{last['n']} (exp {slope:.2f})"
                else:
                    slope, rule = EXPONENT[last["family"]], f"exp {EXPONENT[last['family']]} (one size measured)"
                qps[key] = round(last[key] * (target / last["n"]) ** slope, 1)
            ram_gb = (per_vec * target + _fixed_at(last, target)) / 1e9
            out.append({"design": design, "label": last["label"], "setting": setting, "n": target,
                        "ram_gb": round(ram_gb, 2), "ram_bytes_per_vector": round(ram_gb * 1e9 / target, 1),
                        "disk_gb": round(last["disk_bytes_per_vector"] * target / 1e9, 1),
                        "recall_at_10": last["recall_at_10"], "recall_measured_at": last["n"], **qps,
                        "qps_rule": rule, "fits_budget": ram_gb <= BUDGET_GB, "status": "extrapolated"})
    return out


def choose(extra: list[dict[str, Any]], target: int = TARGETS[0], min_recall: float = 0.90,
           measured_at: int | None = None) -> dict[str, Any] | None:
    """The fastest (batch 64) design setting within the RAM budget and the recall floor at ``target``.

    Only recalls measured at ``measured_at`` count (default: the largest N measured for any design).
    """
    rows = [r for r in extra if r["n"] == target]
    at = measured_at or max((r["recall_measured_at"] for r in rows), default=0)
    ok = [r for r in rows if r["fits_budget"] and r["recall_at_10"] >= min_recall and r["recall_measured_at"] == at]
    return max(ok, key=lambda r: r["qps_batch64"]) if ok else None


def _md_table(rows: list[dict[str, Any]], cols: list[tuple[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(h for h, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "")) for _, k in cols) + " |")
    return lines


def write_report(out: Path) -> Path:
    """Write ``scale.json`` and ``scale.md`` from every finished step; returns the JSON path."""
    rows, bases, prep = _load(out)
    order = list(DESIGNS)
    rows.sort(key=lambda r: (r["n"], order.index(r["design"])))
    extra = extrapolate(rows)
    pick = choose(extra)
    sizes = sorted({r["n"] for r in rows})
    # what each measured size alone would choose: extrapolate from the rows measured up to that size
    by_size = {n: choose(extrapolate([r for r in rows if r["n"] <= n]), measured_at=n) for n in sizes}
    data = {"measured": rows, "extrapolated": extra, "bases": bases, "prep": prep, "chosen_36m": pick,
            "chosen_36m_by_measured_n": by_size, "budget_gb": BUDGET_GB}
    path = out / "scale.json"
    path.write_text(json.dumps(data, indent=1))
    md = ["# biomedqa eval scale", "",
          "Vectors: " + "; ".join(f"N={n}: {b['real']} real MiniLM + {b['simulated']} simulated (mixture, seed "
                                  f"{b['seed']})" for n, b in sorted(bases.items())),
          "Queries: BioASQ 7B-10B questions (MiniLM). Recall@10 is against exact flat search on the same base.", "",
          "## Measured", ""]
    md += _md_table(rows, [("N", "n"), ("data", "data"), ("design", "label"), ("setting", "setting"),
                           ("recall@10", "recall_at_10"), ("RAM B/vec", "ram_bytes_per_vector"),
                           ("disk B/vec", "disk_bytes_per_vector"), ("train s", "train_s"), ("build s", "build_s"),
                           ("q/s b1", "qps_batch1"), ("q/s b64", "qps_batch64"), ("index RSS MB", "index_rss_mb")])
    md += ["", "## Extrapolated (memory, q/s; recall as measured at the largest N)", ""]
    md += _md_table(sorted(extra, key=lambda r: (r["n"], order.index(r["design"]))),
                    [("N", "n"), ("design", "label"), ("setting", "setting"), ("RAM GB", "ram_gb"),
                     ("disk GB", "disk_gb"), ("recall@10", "recall_at_10"),
                     ("recall at N", "recall_measured_at"),
                     ("q/s b1", "qps_batch1"), ("q/s b64", "qps_batch64"), ("≤ 8 GB", "fits_budget"),
                     ("q/s rule", "qps_rule")])
    md += ["", "## Chosen for 36M (recall@10 >= 0.90, <= 8 GB)", ""]
    for n, p in by_size.items():
        md.append(f"- recall measured at N={n}: " + (
            f"{p['label']} ({p['setting']}): {p['ram_gb']} GB RAM extrapolated, recall@10 {p['recall_at_10']}, "
            f"{p['qps_batch64']} q/s at batch 64 extrapolated" if p
            else "no design reaches recall@10 >= 0.90 within 8 GB"))
    path.with_suffix(".md").write_text("\n".join(md) + "\n")
    return path
