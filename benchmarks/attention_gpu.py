"""Naive attention vs torch's scaled_dot_product_attention on a GPU: time, peak memory, error.

Run from the repository root on a machine with an NVIDIA GPU (an H100 or H200 was the plan):

    .venv/bin/python benchmarks/attention_gpu.py              # writes book/data/attention_gpu.csv

then commit book/data/attention_gpu.csv and rebuild the book: chapter 10 plots it, naming the
device, date, torch version and this script from the file. The book never needs a GPU to build;
without the file the chapter says that no GPU measurement has been committed yet.

Both methods compute multi-head self-attention, batch 1, 16 heads of d_head = 64, for each dtype
(float16 and float32 by default) and n from 512 up to 65536:

* naive: scores = Q K^T / sqrt(d) -> torch.softmax -> @ V, the (n, n) matrices materialised;
* sdpa:  torch.nn.functional.scaled_dot_product_attention (fused kernels: FlashAttention or
         memory-efficient attention, as torch picks for the device and dtype).

time: the median of ``--repeat`` calls timed with CUDA events, after warm-up calls. peak memory:
torch.cuda.max_memory_allocated during one call, above the memory allocated before it (inputs
excluded). error: the largest absolute difference from float64 attention over 128 query rows.
A size that runs out of GPU memory is recorded with status "out of memory" (that is a result
too: the naive method stops where its n x n matrices no longer fit).

``--device cpu`` runs the same code on the CPU (time by wall clock, no peak memory): a smoke test
of this script, not a GPU measurement; write its output elsewhere with ``--out``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch.nn.functional import scaled_dot_product_attention

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qkv_course.cost import write_benchmark_csv  # noqa: E402

SCRIPT = "benchmarks/attention_gpu.py"
DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}
SAMPLE_ROWS = 128


def naive(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return torch.softmax(scores, dim=-1) @ v


def sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return scaled_dot_product_attention(q, k, v)


METHODS = {"naive": naive, "sdpa": sdpa}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_ms(fn, args, device: torch.device, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn(*args)
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn(*args)
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times)


def _peak_mib(fn, args, device: torch.device) -> float | str:
    if device.type != "cuda":
        return ""
    _sync(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    out = fn(*args)
    _sync(device)
    peak = torch.cuda.max_memory_allocated(device) - before
    del out
    return peak / 2**20


def _error(out: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> float:
    n = q.shape[-2]
    rows = torch.linspace(0, n - 1, min(SAMPLE_ROWS, n), device=q.device).long()
    err = 0.0
    for h in range(q.shape[1]):                 # one head at a time keeps the reference small
        qh, kh, vh = (t[0, h].double() for t in (q, k, v))
        ref = torch.softmax(qh[rows] @ kh.T / math.sqrt(q.shape[-1]), dim=-1) @ vh
        err = max(err, (out[0, h, rows].double() - ref).abs().max().item())
    return err


def measure(method: str, n: int, dtype_name: str, args: argparse.Namespace, device: torch.device,
            common: dict) -> dict:
    row = dict(common, dtype=dtype_name, batch=1, heads=args.heads, n=n, d_head=args.d_head,
               method=method, status="ok", time_ms="", peak_mib="", max_abs_error="")
    fn = METHODS[method]
    gen = torch.Generator(device=device).manual_seed(n)
    q, k, v = (torch.randn(1, args.heads, n, args.d_head, generator=gen, device=device,
                           dtype=DTYPES[dtype_name]) for _ in range(3))
    try:
        with torch.no_grad():
            out = fn(q, k, v)
            row["max_abs_error"] = _error(out, q, k, v)
            del out
            for _ in range(args.warmup):
                fn(q, k, v)
            row["peak_mib"] = _peak_mib(fn, (q, k, v), device)
            row["time_ms"] = _time_ms(fn, (q, k, v), device, args.repeat)
    except torch.OutOfMemoryError:
        row.update(status="out of memory", time_ms="", peak_mib="", max_abs_error="")
    finally:
        del q, k, v
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512 << i for i in range(8)])
    parser.add_argument("--dtypes", nargs="+", default=["float16", "float32"], choices=sorted(DTYPES))
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--d-head", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "book" / "data" / "attention_gpu.csv")
    args = parser.parse_args()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("No CUDA device is available: this benchmark measures a GPU (see --device).")
    default_out = parser.get_default("out")
    if device.type != "cuda" and args.out.resolve() == default_out.resolve():
        sys.exit(f"--device {args.device} is a smoke test, not a GPU measurement: give it another --out "
                 f"than {default_out.relative_to(REPO)}, which the book presents as GPU data.")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU (smoke test, {args.device})"
    common = {"script": SCRIPT, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
              "device": name, "torch_version": torch.__version__}
    print(f"{SCRIPT}: {name}, torch {torch.__version__}, {common['date']}")
    rows = []
    for dtype_name in args.dtypes:
        for n in sorted(args.sizes):
            for method in METHODS:
                row = measure(method, n, dtype_name, args, device, common)
                rows.append(row)
                shown = {k: (f"{v:.3g}" if isinstance(v, float) else v) for k, v in row.items()
                         if k in ("dtype", "n", "method", "status", "time_ms", "peak_mib", "max_abs_error")}
                print(shown, flush=True)
    path = write_benchmark_csv(rows, args.out)
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
