"""Convert a GPU attention measurement kept as JSON (one row per dtype and n, naive and fused side
by side, e.g. book/data/gpu_attention_h100_2026-11-22.json) into book/data/attention_gpu.csv,
the file chapter 10 plots (columns qkv_course.cost.GPU_CSV_FIELDS, one row per method):

    python benchmarks/gpu_json_to_csv.py book/data/gpu_attention_h100_2026-11-22.json \\
        --device "NVIDIA H100" --torch 2.11 --date 2026-11-22 --heads 16 --d-head 64

The JSON's fields: dtype, n, sdpa_ms, sdpa_peak_mib, naive_ms ("OOM" where it ran out of memory),
naive_peak_mib, max_abs_diff (see book/data/README.md). benchmarks/attention_gpu.py writes the
CSV directly; this is for measurements made elsewhere.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qkv_course.cost import write_benchmark_csv

REPO = Path(__file__).resolve().parents[1]


def rows_from_json(records: list[dict], *, source: str, device: str, torch_version: str, date: str,
                   heads: int, d_head: int, batch: int = 1) -> list[dict]:
    rows = []
    for r in records:
        for method in ("naive", "sdpa"):
            time_ms = r.get(f"{method}_ms")
            oom = time_ms == "OOM"
            rows.append({
                "script": source, "date": date, "device": device, "torch_version": torch_version,
                "dtype": r["dtype"], "batch": batch, "heads": heads, "n": int(r["n"]), "d_head": d_head,
                "method": method, "status": "out of memory" if oom else "ok",
                "time_ms": "" if oom else float(time_ms),
                "peak_mib": "" if oom else float(r[f"{method}_peak_mib"]),
                "max_abs_error": "" if oom or "max_abs_diff" not in r else float(r["max_abs_diff"]),
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", type=Path)
    parser.add_argument("--device", required=True)
    parser.add_argument("--torch", required=True, dest="torch_version")
    parser.add_argument("--date", required=True)
    parser.add_argument("--heads", type=int, required=True)
    parser.add_argument("--d-head", type=int, required=True)
    parser.add_argument("--out", type=Path, default=REPO / "book" / "data" / "attention_gpu.csv")
    args = parser.parse_args()
    records = json.loads(args.json.read_text())
    source = args.json.resolve().relative_to(REPO).as_posix() if args.json.resolve().is_relative_to(REPO) else args.json.name
    rows = rows_from_json(records, source=source, device=args.device, torch_version=args.torch_version,
                          date=args.date, heads=args.heads, d_head=args.d_head)
    print(write_benchmark_csv(rows, args.out), len(rows), "rows")


if __name__ == "__main__":
    main()
