"""Naive vs chunked vs torch attention on the CPU: time, peak memory and error against n.

Run from the repository root:  .venv/bin/python benchmarks/attention_memory.py
(about a minute and a half on 2 cores; --sizes 256 1024 for a quick look; --threads 1 for
timings that other programs on a shared machine disturb less). Not a test: it prints a table.

Every method computes single-head self-attention of n tokens, d = 64, in float32:

* naive:   qkv_course.cost.naive_attention, which forms the (n, n) scores and weights;
* chunked: qkv_course.cost.chunked_attention, a running softmax over chunks of keys;
* torch:   torch.nn.functional.scaled_dot_product_attention on CPU tensors.

Each (method, n) runs in a fresh Python process, so that memory freed by one measurement cannot
be reused, unseen, by the next. In that process:

* peak RSS: the process's resident-memory high-water mark during one call, above its level
  just before (Linux: /proc/self/clear_refs resets the mark, VmHWM reads it). It sees every
  allocation, numpy's and torch's alike;
* peak traced: the peak that tracemalloc sees (numpy's arrays; torch's are invisible to it);
* time: the best of a few calls after the measured one;
* error: the largest absolute difference from float64 exact attention
  (qkv_course.attention.scaled_dot_product_attention) over 256 query rows spread along the
  sequence (the whole float64 reference would itself need gigabytes at n = 16384).

The table gives, for each n, each method's time and memory as a ratio of naive's, measured in
the same run, and checks the targets: chunked peak memory at the largest n at most 5 % of
naive's, and every error at most 1e-5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qkv_course import attention, cost  # noqa: E402

METHODS = ("naive", "chunked", "torch")
D = 64
CHUNK = 256
SAMPLE_ROWS = 256
MEMORY_TARGET = 0.05
ERROR_TARGET = 1e-5


def _status(field: str) -> int:
    """A memory field of /proc/self/status (VmRSS, VmHWM), in bytes."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def _inputs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((n, D), dtype=np.float32) for _ in range(3))


def _method(name: str):
    """The method as a function of numpy Q, K, V returning a numpy output."""
    if name == "naive":
        return cost.naive_attention
    if name == "chunked":
        return lambda Q, K, V: cost.chunked_attention(Q, K, V, CHUNK)
    if name == "torch":
        import torch
        from torch.nn.functional import scaled_dot_product_attention

        if os.environ.get("OMP_NUM_THREADS"):
            torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

        def sdpa(Q, K, V):
            with torch.no_grad():
                out = scaled_dot_product_attention(*(torch.from_numpy(a)[None, None] for a in (Q, K, V)))
            return out[0, 0].numpy()

        return sdpa
    raise ValueError(f"unknown method {name!r}")


def worker(name: str, n: int) -> dict:
    """Measure one method at one size, in this (fresh) process."""
    Q, K, V = _inputs(n)
    fn = _method(name)
    fn(*_inputs(8, seed=1))                      # load libraries and thread pools first
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status("VmRSS")
        out = fn(Q, K, V)
        peak_rss = _status("VmHWM") - before
    except OSError:                               # not Linux: no RSS high-water mark
        out, peak_rss = fn(Q, K, V), None
    _, peak_traced = cost.peak_memory(fn, Q, K, V)
    repeat = 3 if n <= 2048 else 1
    seconds = min(_timed(fn, Q, K, V) for _ in range(repeat))
    rows = np.linspace(0, n - 1, min(SAMPLE_ROWS, n)).astype(int)
    exact, _ = attention.scaled_dot_product_attention(Q[rows].astype(np.float64), K, V)
    error = float(np.abs(out[rows].astype(np.float64) - exact).max())
    return {"method": name, "n": n, "seconds": seconds, "peak_rss": peak_rss,
            "peak_traced": None if name == "torch" else peak_traced, "error": error}


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _run_worker(name: str, n: int, threads: int | None) -> dict:
    env = dict(os.environ)
    if threads:
        env.update({v: str(threads) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    proc = subprocess.run([sys.executable, __file__, "--worker", name, str(n)],
                          capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} at n={n} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mib(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192, 16384])
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and torch (default: the libraries' own choice)")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return

    import torch

    threads = args.threads or torch.get_num_threads()
    print(f"benchmarks/attention_memory.py, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; numpy {np.__version__}, "
          f"torch {torch.__version__}; {threads} thread(s)"
          + ("" if args.threads else " (the libraries' default)"))
    print(f"self-attention, one head, d = {D}, float32; chunked uses chunk_size = {CHUNK}")
    print("ratios are to naive at the same n, measured in this run; peak = RSS high-water mark")
    print()
    header = (f"{'n':>6} {'method':8} {'time ms':>10} {'peak RSS MiB':>13} {'traced MiB':>11} "
              f"{'1 matrix MiB':>13} {'max abs err':>12} {'time/naive':>11} {'mem/naive':>10}")
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, int], dict] = {}
    for n in args.sizes:
        for name in METHODS:
            results[name, n] = r = _run_worker(name, n, args.threads)
            base = results["naive", n]
            print(f"{n:>6} {name:8} {1e3 * r['seconds']:>10.1f} {_mib(r['peak_rss']):>13} "
                  f"{_mib(r['peak_traced']):>11} {_mib(cost.attention_memory_bytes(n, n, 4)):>13} "
                  f"{r['error']:>12.1e} {_ratio(r['seconds'], base['seconds']):>11} "
                  f"{_ratio(r['peak_rss'], base['peak_rss']):>10}", flush=True)
    print()
    largest = max(args.sizes)
    naive, chunked = results["naive", largest], results["chunked", largest]
    for label, key in (("RSS", "peak_rss"), ("traced", "peak_traced")):
        if naive[key] and chunked[key] is not None:
            share = chunked[key] / naive[key]
            verdict = "meets" if share <= MEMORY_TARGET else "MISSES"
            print(f"chunked peak memory ({label}) at n={largest}: {100 * share:.2f} % of naive -> "
                  f"{verdict} the target (<= {100 * MEMORY_TARGET:.0f} %)")
    worst = max(r["error"] for r in results.values())
    print(f"largest error of any method at any n: {worst:.1e} -> "
          f"{'meets' if worst <= ERROR_TARGET else 'MISSES'} the target (<= {ERROR_TARGET:.0e})")
    for name in METHODS:
        sizes = [n for n in args.sizes if n >= 1024] or args.sizes
        if len(sizes) >= 2:
            t = cost.fit_power_law(sizes, [results[name, n]["seconds"] for n in sizes])
            print(f"{name:8} time ~ n^{t.exponent:.2f} (fit over n = {sizes[0]}..{sizes[-1]})")


if __name__ == "__main__":
    main()
