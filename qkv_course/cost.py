"""The cost of attention (chapter 10): counting it, measuring it, and living with it.

Exact attention of ``n_q`` queries over ``n_k`` keys forms an ``(n_q, n_k)`` matrix of scores
and another of weights, so its time and memory grow with the *product* of the lengths: with
the square of the sequence length in self-attention. This module holds

* the chapter's **definitions** of that cost, :func:`attention_flops` and
  :func:`attention_memory_bytes` (read their docstrings: what is counted is a choice, and the
  chapter and the grader both use exactly these);
* :func:`naive_attention`, the formula as written, in the inputs' own float dtype;
* :func:`chunked_attention`, exact attention computed over chunks of keys with a running
  (online) softmax, :class:`RunningSoftmax`, never holding more than ``n_q x chunk_size`` scores:
  the idea behind FlashAttention;
* two approximations: :func:`local_window_mask` (each query sees only nearby keys) and
  :func:`linear_attention` with a feature map (:func:`elu_feature_map`, or
  :func:`random_feature_map`, whose features approximate the softmax's exponential kernel);
* measurement helpers shared by the chapter and ``benchmarks/``: :func:`peak_memory`,
  :func:`measure`, :func:`fit_power_law`, and the CSV format of the GPU benchmark.

Shapes follow :mod:`qkv_course.attention`: ``Q (..., n_q, d_k)``, ``K (..., n_k, d_k)``,
``V (..., n_k, d_v)``, masks boolean (True = may attend) broadcastable to ``(..., n_q, n_k)``.
"""

from __future__ import annotations

import csv
import math
import operator
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .emit import peak_memory
from .masking import check_mask

__all__ = [
    "attention_flops",
    "attention_memory_bytes",
    "naive_attention",
    "RunningSoftmax",
    "chunked_attention",
    "local_window_mask",
    "elu_feature_map",
    "random_feature_map",
    "linear_attention",
    "Measurement",
    "peak_memory",
    "measure",
    "PowerLaw",
    "fit_power_law",
    "GPU_CSV_FIELDS",
    "write_benchmark_csv",
    "read_benchmark_csv",
]


# --------------------------------------------------------------------------- counting

def _count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as a Python int >= ``minimum``, or ``ValueError`` naming ``name``."""
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def attention_flops(n_q: int, n_k: int, d_k: int, d_v: int) -> int:
    """Floating-point operations of the two matrix products of attention.

    **Definition** (chapter 10): one multiply-add counts as 2 FLOPs (a multiplication and an
    addition, the convention of hardware peak figures), and only the two matrix products are
    counted:

        FLOPs = 2 n_q n_k d_k   (scores  Q K^T: n_q x n_k dot products of length d_k)
              + 2 n_q n_k d_v   (output  weights V: n_q x d_v dot products of length n_k)

    The softmax (scale, maximum, subtraction, exponential, sum, division: a handful of
    operations per score) also grows as n_q n_k, but without the factor d, so it is left out.
    For self-attention (n_q = n_k = n, d_k = d_v = d) this is 4 n^2 d.
    """
    n_q, n_k = _count(n_q, "n_q"), _count(n_k, "n_k")
    d_k, d_v = _count(d_k, "d_k"), _count(d_v, "d_v")
    return 2 * n_q * n_k * d_k + 2 * n_q * n_k * d_v


def attention_memory_bytes(n_q: int, n_k: int, itemsize: int = 4) -> int:
    """Bytes of one ``(n_q, n_k)`` matrix of attention scores (or weights).

    **Definition** (chapter 10): ``n_q * n_k * itemsize``, with ``itemsize`` the bytes per number
    (4 for float32, the default; 2 for float16/bfloat16; 8 for float64). It is one matrix per
    head and per sequence; a straightforward implementation holds two or three such matrices at
    once (scores, exponentials, weights), which the chapter measures.
    """
    return _count(n_q, "n_q") * _count(n_k, "n_k") * _count(itemsize, "itemsize")


# --------------------------------------------------------------------------- exact attention

def _float_arrays(*arrays: Any) -> list[np.ndarray]:
    """The arrays in one common float dtype: theirs if they are float32 or float64 (the wider
    one when they differ), else float64. Raises ``ValueError`` for non-finite entries."""
    arrs = [np.asarray(a) for a in arrays]
    for name, a in zip("QKV", arrs):
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
        if a.ndim < 2:
            raise ValueError(f"{name} must have at least 2 axes (..., n, d), got shape {a.shape}")
    dtype = np.result_type(*[a.dtype for a in arrs], np.float32)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64)
    arrs = [a.astype(dtype, copy=False) for a in arrs]
    for name, a in zip("QKV", arrs):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity")
    return arrs


def _check_qkv(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> tuple[int, ...]:
    """The scores' shape (..., n_q, n_k), or ``ValueError`` if Q, K and V do not fit together."""
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"Q has d_k={Q.shape[-1]} (shape {Q.shape}) but K has d_k={K.shape[-1]} "
                         f"(shape {K.shape}): queries and keys must have the same size")
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(f"K has {K.shape[-2]} keys but V has {V.shape[-2]} value rows: "
                         "there must be one value per key")
    try:
        batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    except ValueError:
        raise ValueError(f"the leading (batch) axes of Q {Q.shape}, K {K.shape} and V {V.shape} "
                         "do not broadcast together") from None
    return batch + (Q.shape[-2], K.shape[-2])


def naive_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray,
                    mask: np.ndarray | None = None) -> np.ndarray:
    """softmax(Q K^T / sqrt(d_k)) V, written as the formula reads: the whole ``(..., n_q, n_k)``
    matrix of scores is formed, then the matrix of weights.

    Q: (..., n_q, d_k), K: (..., n_k, d_k), V: (..., n_k, d_v); mask: bool broadcastable to
    (..., n_q, n_k), True = may attend. Returns the output (..., n_q, d_v) in the inputs' float
    dtype (float32 stays float32, unlike :func:`qkv_course.attention.scaled_dot_product_attention`,
    which works in float64), so its memory can be compared with :func:`chunked_attention`'s.
    A query with no allowed key gets a zero output row.
    """
    Q, K, V = _float_arrays(Q, K, V)
    shape = _check_qkv(Q, K, V)
    scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(check_mask(mask, shape), scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isneginf(top), 0.0, top))
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ V


class RunningSoftmax:
    """The softmax-weighted average of values, accumulated one chunk of keys at a time.

    For each query it keeps three running quantities over the keys seen so far:

    * ``m``, the largest score (``-inf`` before any allowed key);
    * ``l``, the sum of ``exp(s_j - m)``;
    * ``acc``, the sum of ``exp(s_j - m) v_j``.

    :meth:`update` folds in a chunk of scores ``s`` (``-inf`` where blocked) and their values:
    with the new maximum ``m' = max(m, max_j s_j)``, the old sums are rescaled by
    ``exp(m - m')`` so that every term is again relative to ``m'``. After the last chunk,
    ``acc / l`` is exactly the softmax-weighted average of all values (:meth:`result`). A query
    whose keys so far are all blocked has ``m' = -inf``; it is shifted by 0 instead, since
    ``-inf - (-inf)`` is NaN, and its terms ``exp(-inf) = 0`` then add nothing.
    """

    def __init__(self, dtype: Any = np.float64) -> None:
        self.dtype = np.dtype(dtype)
        # Scalars broadcast against the first chunk's shapes.
        self.m = np.array(-np.inf, dtype=self.dtype)
        self.l = np.zeros((), dtype=self.dtype)
        self.acc = np.zeros((), dtype=self.dtype)

    def update(self, scores: np.ndarray, values: np.ndarray) -> None:
        """scores: (..., n_q, c), ``-inf`` where blocked; values: (..., c, d_v)."""
        m_new = np.maximum(self.m, scores.max(axis=-1, keepdims=True))     # (..., n_q, 1)
        shift = np.where(np.isneginf(m_new), 0.0, m_new)
        p = np.exp(scores - shift)                                         # (..., n_q, c)
        rescale = np.exp(self.m - shift)                                   # exp(m - m')
        self.l = rescale * self.l + p.sum(axis=-1, keepdims=True)
        self.acc = rescale * self.acc + p @ values
        self.m = m_new

    def result(self) -> np.ndarray:
        """acc / l, (..., n_q, d_v); zero rows for queries that saw no allowed key."""
        acc, l = np.broadcast_arrays(self.acc, self.l)
        return np.divide(acc, l, out=np.zeros(acc.shape, self.dtype), where=l > 0)


def chunked_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, chunk_size: int,
                      mask: np.ndarray | None = None) -> np.ndarray:
    """Exact scaled dot-product attention, computed over chunks of ``chunk_size`` keys with a
    running softmax (:class:`RunningSoftmax`), so that at most ``n_q x chunk_size`` scores (per
    batch element) exist at any time, never the full ``n_q x n_k`` matrix.

    Q: (..., n_q, d_k), K: (..., n_k, d_k), V: (..., n_k, d_v); chunk_size >= 1 (the last
    chunk may be shorter; a chunk_size above n_k means one chunk); mask: bool broadcastable to
    (..., n_q, n_k), True = may attend. Returns the output (..., n_q, d_v), equal to
    :func:`qkv_course.attention.scaled_dot_product_attention`'s up to rounding, in the inputs'
    float dtype; a query with no allowed key gets a zero output row.
    """
    Q, K, V = _float_arrays(Q, K, V)
    shape = _check_qkv(Q, K, V)
    chunk_size = _count(chunk_size, "chunk_size")
    n_k, scale = K.shape[-2], math.sqrt(Q.shape[-1])
    if mask is not None:
        mask = check_mask(mask, shape)
        # A view with the key axis at full length (a length-1 axis cannot be sliced into chunks).
        mask = np.broadcast_to(mask, mask.shape[:-1] + (n_k,))
    state = RunningSoftmax(Q.dtype)
    for start in range(0, n_k, chunk_size):
        keys = slice(start, start + chunk_size)
        scores = Q @ np.swapaxes(K[..., keys, :], -1, -2) / scale          # (..., n_q, c)
        if mask is not None:
            scores = np.where(mask[..., keys], scores, -np.inf)
        state.update(scores, V[..., keys, :])
    return state.result()


# --------------------------------------------------------------------------- approximations

def local_window_mask(n: int, window: int) -> np.ndarray:
    """(n, n) bool, True where the key position j is within ``window`` of the query position i:
    ``|i - j| <= window``, on both sides. ``window=0`` lets each token see only itself; a
    window of n - 1 or more is no restriction at all."""
    n = _count(n, "n")
    window = _count(window, "window", minimum=0)
    positions = np.arange(n)
    return np.abs(positions[:, None] - positions[None, :]) <= window


def elu_feature_map(X: np.ndarray) -> np.ndarray:
    """elu(x) + 1 elementwise: x + 1 for x > 0, exp(x) otherwise. Positive, so the weights of
    :func:`linear_attention` stay positive (Katharopoulos et al., 2020)."""
    X = np.asarray(X)
    return np.where(X > 0, X + 1, np.exp(np.minimum(X, 0)))


def random_feature_map(d_k: int, num_features: int, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """Positive random features for the softmax kernel (Choromanski et al., 2021).

    Returns ``phi`` with ``phi(q) . phi(k) ~= exp(q . k / sqrt(d_k))`` on average over the random
    draws, so :func:`linear_attention` with ``phi`` approximates softmax attention, better the more
    features: for x' = x / d_k^(1/4) and w ~ N(0, I), E[exp(w.q' - |q'|^2/2) exp(w.k' - |k'|^2/2)]
    = exp(q'.k'). ``phi`` maps (..., n, d_k) to (..., n, num_features). Each call is rescaled by
    one constant per batch element (the largest exponent), which cancels in attention's ratio.
    """
    d_k = _count(d_k, "d_k")
    num_features = _count(num_features, "num_features")
    W = np.random.default_rng(seed).normal(size=(num_features, d_k))

    def phi(X: np.ndarray) -> np.ndarray:
        Xs = np.asarray(X, dtype=np.float64) / d_k ** 0.25
        exponent = Xs @ W.T - 0.5 * (Xs * Xs).sum(axis=-1, keepdims=True)
        exponent = exponent - exponent.max(axis=(-2, -1), keepdims=True)
        return np.exp(exponent) / math.sqrt(num_features)

    return phi


def linear_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray,
                     feature_map: Callable[[np.ndarray], np.ndarray] = elu_feature_map) -> np.ndarray:
    """Attention with the kernel ``phi(q) . phi(k)`` in place of ``exp(q . k / sqrt(d_k))``:

        output_i = phi(q_i) (sum_j phi(k_j)^T v_j) / (phi(q_i) . sum_j phi(k_j))

    Computing ``phi(K)^T V`` first (an (r, d_v) matrix, r features) costs O(n r d) instead of
    O(n^2 d): no (n_q, n_k) matrix is ever formed. Q: (..., n_q, d_k), K: (..., n_k, d_k),
    V: (..., n_k, d_v) -> (..., n_q, d_v). No mask (a causal version uses running sums).
    """
    Q, K, V = _float_arrays(Q, K, V)
    _check_qkv(Q, K, V)
    phi_q, phi_k = feature_map(Q), feature_map(K)              # (..., n_q, r), (..., n_k, r)
    kv = np.swapaxes(phi_k, -1, -2) @ V                        # (..., r, d_v)
    normaliser = phi_q @ phi_k.sum(axis=-2)[..., :, None]      # (..., n_q, 1)
    return (phi_q @ kv) / normaliser


# --------------------------------------------------------------------------- measuring

@dataclass(frozen=True)
class Measurement:
    """seconds: the best wall-clock time of one call over the repeats; peak_bytes: the most
    memory (traced by :mod:`tracemalloc`: Python objects and numpy arrays, not torch tensors)
    held at once during one call, above what was held when it started (the result included)."""

    seconds: float
    peak_bytes: int


def measure(fn: Callable[..., Any], *args: Any, repeat: int = 3, **kwargs: Any) -> Measurement:
    """Time ``fn(*args, **kwargs)`` (best of ``repeat`` untraced calls, as tracing slows Python
    code down) and measure its peak memory in one more, traced call."""
    best = math.inf
    for _ in range(_count(repeat, "repeat")):
        start = time.perf_counter()
        fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    _, peak = peak_memory(fn, *args, **kwargs)
    return Measurement(best, peak)


@dataclass(frozen=True)
class PowerLaw:
    """y ~= coefficient * n ** exponent."""

    exponent: float
    coefficient: float

    def __call__(self, n: Any) -> np.ndarray:
        return self.coefficient * np.asarray(n, dtype=float) ** self.exponent


def fit_power_law(n: Sequence[float], y: Sequence[float]) -> PowerLaw:
    """Least-squares fit of a straight line to (log n, log y): its slope is the scaling
    exponent (2 for a cost that quadruples when n doubles). Needs two or more positive points."""
    n, y = np.asarray(n, dtype=float), np.asarray(y, dtype=float)
    if n.shape != y.shape or n.ndim != 1 or n.size < 2:
        raise ValueError("n and y must be 1-d sequences of the same length, at least 2")
    if not (np.isfinite(n).all() and np.isfinite(y).all() and (n > 0).all() and (y > 0).all()):
        raise ValueError("n and y must be positive and finite")
    x, z = np.log(n), np.log(y)
    A = np.stack([x, np.ones_like(x)], axis=1)
    (slope, intercept), *_ = np.linalg.lstsq(A, z, rcond=None)
    return PowerLaw(float(slope), float(np.exp(intercept)))


# --------------------------------------------------------------------------- benchmark data

#: Columns of ``book/data/attention_gpu.csv``, written by ``benchmarks/attention_gpu.py``.
GPU_CSV_FIELDS: tuple[str, ...] = (
    "script", "date", "device", "torch_version", "dtype", "batch", "heads", "n", "d_head",
    "method", "status", "time_ms", "peak_mib", "max_abs_error",
)
_INTS = ("batch", "heads", "n", "d_head")
_FLOATS = ("time_ms", "peak_mib", "max_abs_error")


def write_benchmark_csv(rows: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write benchmark rows (dicts with exactly :data:`GPU_CSV_FIELDS`) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=GPU_CSV_FIELDS)
        writer.writeheader()
        for row in rows:
            if set(row) != set(GPU_CSV_FIELDS):
                raise ValueError(f"a benchmark row needs exactly the fields {GPU_CSV_FIELDS}, got {sorted(row)}")
            writer.writerow(row)
    return path


def read_benchmark_csv(path: str | Path) -> list[dict[str, Any]] | None:
    """The rows of a benchmark CSV with numbers parsed (empty cells become None), or None if
    ``path`` does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != GPU_CSV_FIELDS:
            raise ValueError(f"{path}: expected the columns {GPU_CSV_FIELDS}, got {reader.fieldnames}")
        rows = []
        for raw in reader:
            row: dict[str, Any] = dict(raw)
            for key in _INTS:
                row[key] = int(row[key])
            for key in _FLOATS:
                row[key] = float(row[key]) if row[key] not in ("", None) else None
            rows.append(row)
    return rows
