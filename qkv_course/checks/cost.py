"""Checks for assignment ps10, "The quadratic cost, and how to live with it".

Each ``check_*`` function takes the student's function, runs it on a set of cases (the visible
ones by default, the hidden ones with ``hidden=True``) and raises
:class:`~qkv_course.checks.core.FeedbackError` with a targeted message on the first problem.
Expected results come from :mod:`qkv_course.cost` and :mod:`qkv_course.attention`,
computed before the student's code runs; the student's code may not call them.

The counts follow chapter 10's definitions (:func:`qkv_course.cost.attention_flops`: two
FLOPs per multiply-add, both matrix products, no softmax; :func:`attention_memory_bytes`: one
score matrix, in bytes). ``chunked_attention`` must equal exact attention *and* keep its memory
small: on one large case the grader measures, with :mod:`tracemalloc`, the most numpy memory the
call holds at once, and fails a call that holds a good part of the full score matrix.

The hidden cases (``hidden=True``) live in :mod:`qkv_grader.hidden.cost` (instructor side
only, not in the package students install), loaded only when a check is called with
``hidden=True``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import cost
from ..softmax import masked_softmax, softmax
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, FeedbackError,
                   call_student, call_student_measured, check_close, fail, hidden_cases, matches, reference,
                   read_only, to_array)
from .diagnoses import errors
from .diagnoses.case import Attention
from .diagnoses.masks import check_bool_mask, empty_rows_nan, swapped
from .diagnoses.pair import output_diagnoses, weight_diagnoses
from .diagnoses.softmax import overflow_hint
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = [
    "check_attention_flops",
    "check_attention_memory_bytes",
    "check_local_window_mask",
    "check_chunked_attention",
    "FORBIDDEN",
    "MEMORY_SHARE",
]


_EXACT = {
    **reference("cost", "chunked_attention", "naive_attention", "linear_attention",
                "RunningSoftmax.__init__", "RunningSoftmax.update", "RunningSoftmax.result"),
    **COURSE_ATTENTION, **COURSE_SOFTMAX, **LIBRARY_SOFTMAX, **LIBRARY_ATTENTION,
}

#: What each graded function may not call (internal name -> name shown to the student).
FORBIDDEN: dict[str, dict[str, str]] = {
    "attention_flops": reference("cost", "attention_flops"),
    "attention_memory_bytes": reference("cost", "attention_memory_bytes"),
    "local_window_mask": reference("cost", "local_window_mask"),
    "chunked_attention": _EXACT,
}

#: chunked_attention fails the memory test if it holds this share of the full float64 score
#: matrix at once (generous: a correct chunk loop holds a few per cent of it).
MEMORY_SHARE = 0.25

_Diagnoses = list[tuple[Any, str]]


# --------------------------------------------------------------------------- counts (shared)

def _label(name: str, args: dict[str, Any], kwargs: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in {**args, **kwargs}.items())})"


def _unambiguous(expected: int, candidates: _Diagnoses) -> _Diagnoses:
    """The candidates whose value is not the expected one and is given by no other mistake."""
    values = [v for v, _ in candidates]
    return [(v, m) for v, m in candidates if v != expected and values.count(v) == 1]


def _wrong_count(label: str, got: float, expected: int, definition: str, hidden: bool) -> str:
    shown = f"{got:.6g}" if abs(got) < 1e15 else f"{got:.3e}"
    if hidden:
        return f"{label} returned {shown}, which does not follow the definition: {definition}"
    return f"{label} returned {shown} where {expected} was expected. The definition: {definition}"


def _grade_number(fn: Callable, name: str, args: dict[str, Any], kwargs: dict[str, Any],
                  expected: int, diagnoses: _Diagnoses, definition: str, hidden: bool) -> None:
    """Grade a function that returns one whole number: the expected one, else a known mistake's
    message, else the definition (and, on visible cases, the expected number)."""
    __tracebackhide__ = True
    label = _label(name, args, kwargs)
    returned = call_student(fn, name, *args.values(), forbidden=FORBIDDEN[name], label=label, **kwargs)
    arr = to_array(returned, label)
    if arr.shape != ():
        fail(f"{label} returned an array of shape {arr.shape}; it should return a single number.")
    if not np.isfinite(arr):
        fail(f"{label} returned {float(arr)}; it should return a finite whole number.")
    if matches(arr, np.float64(expected), rtol=1e-9, atol=0.0):
        return
    for value, message in _unambiguous(expected, diagnoses):
        if matches(arr, np.float64(value), rtol=1e-9, atol=0.0):
            fail(f"{label} returned a wrong result. {message}")
    fail(_wrong_count(label, float(arr), expected, definition, hidden))


# --------------------------------------------------------------------------- attention_flops

_ONLY_PRODUCTS = "by this course's definition only the two matrix products are counted."
_FLOPS_DEFINITION = ("count 2 FLOPs per multiply-add, for both matrix products: the scores Q K^T "
                     "(n_q x n_k dot products of length d_k) and the output weights @ V (n_q x d_v dot "
                     "products of length n_k). The softmax is not counted.")


def _flops_cases(hidden: bool) -> list[tuple[int, int, int, int]]:
    if hidden:
        return hidden_cases("cost").flops_cases()
    return [(2, 7, 3, 5), (4, 4, 2, 2)]


@guarded
def check_attention_flops(attention_flops: Callable, hidden: bool = False) -> None:
    """Check ``attention_flops(n_q, n_k, d_k, d_v)`` -> 2 n_q n_k d_k + 2 n_q n_k d_v."""
    __tracebackhide__ = True
    for n_q, n_k, d_k, d_v in _flops_cases(hidden):
        expected = cost.attention_flops(n_q, n_k, d_k, d_v)
        pairs = n_q * n_k
        diagnoses: _Diagnoses = [
            (pairs * (d_k + d_v),
             "It is half the expected count: it looks like one FLOP per multiply-add. In this course "
             "(as in GPU peak figures) a multiply-add is 2 FLOPs, a multiplication and an addition."),
            (2 * pairs * d_k,
             "It counts only the scores Q K^T. The output weights @ V is a second matrix product, "
             "(n_q, n_k) times (n_k, d_v), and costs 2 n_q n_k d_v more."),
            (2 * pairs * d_v,
             "It counts only the product weights @ V; the scores Q K^T cost 2 n_q n_k d_k as well."),
            (pairs * d_k, "It counts only the scores, and one FLOP per multiply-add: both products "
                          "count, at 2 FLOPs per multiply-add."),
            (4 * pairs * d_k,
             f"It uses d_k for both products. Here d_k = {d_k} and d_v = {d_v} differ: the second "
             "product, weights @ V, has dot products producing d_v numbers per query, so it costs "
             "2 n_q n_k d_v."),
            (4 * pairs * d_v,
             f"It uses d_v for both products. Here d_k = {d_k} and d_v = {d_v} differ: the scores Q K^T "
             "are dot products of length d_k, costing 2 n_q n_k d_k."),
            *[(2 * n * n * (d_k + d_v),
               f"It uses {name} x {name} score entries; the scores have one entry per (query, key) "
               f"pair, n_q x n_k (here n_q = {n_q}, n_k = {n_k}: in cross-attention they differ).")
              for n, name in ((n_q, "n_q"), (n_k, "n_k"))],
            (pairs, "It is the number of score entries, n_q x n_k: each entry costs a dot product of "
                    "length d_k to compute, and the weights are then multiplied by V."),
            (2 * pairs * d_k * d_v, "It multiplies d_k by d_v: the two products are done one after "
                                    "the other, so their costs add up."),
            (2 * pairs * (d_k + d_v) + pairs,
             f"It adds one operation per score (the division by sqrt(d_k) or the softmax): {_ONLY_PRODUCTS}"),
        ]
        # The "exact" count of a dot product of length d: d multiplications, d - 1 additions.
        exact = [pairs * (2 * d_k - 1) + n_q * d_v * (2 * n_k - 1),
                 pairs * (2 * d_k - 1) + pairs * (2 * d_v - 1)]
        diagnoses += [(v, "It counts d multiplications and d - 1 additions per dot product of length d "
                          "(2d - 1 operations). This course's definition, like GPU peak figures, counts "
                          "2 FLOPs per multiply-add: 2d per dot product, without the - 1.")
                      for v in sorted(set(exact))]
        diagnoses += [(expected + c * pairs,
                       f"It seems to include the softmax's operations: {_ONLY_PRODUCTS}")
                      for c in (2, 3, 4, 5, 6)]
        _grade_number(attention_flops, "attention_flops", {"n_q": n_q, "n_k": n_k, "d_k": d_k, "d_v": d_v},
                      {}, expected, diagnoses, _FLOPS_DEFINITION, hidden)


# --------------------------------------------------------------------------- attention_memory_bytes

_MEMORY_DEFINITION = "the bytes of ONE (n_q, n_k) matrix of scores: n_q x n_k numbers of itemsize bytes."


def _memory_cases(hidden: bool) -> list[tuple[dict[str, int], dict[str, int]]]:
    if hidden:
        return hidden_cases("cost").memory_cases()
    return [({"n_q": 3, "n_k": 5}, {}), ({"n_q": 6, "n_k": 5}, {"itemsize": 8})]


@guarded
def check_attention_memory_bytes(attention_memory_bytes: Callable, hidden: bool = False) -> None:
    """Check ``attention_memory_bytes(n_q, n_k, itemsize=4)`` -> n_q n_k itemsize."""
    __tracebackhide__ = True
    for args, kwargs in _memory_cases(hidden):
        _check_memory_case(attention_memory_bytes, args, kwargs, hidden)


def _check_memory_case(attention_memory_bytes: Callable, args: dict[str, int], kwargs: dict[str, int],
                       hidden: bool) -> None:
    """One call of the student's ``attention_memory_bytes`` against the expected bytes."""
    __tracebackhide__ = True
    n_q, n_k = args["n_q"], args["n_k"]
    size = {**args, **kwargs}.get("itemsize", 4)
    expected = cost.attention_memory_bytes(n_q, n_k, size)
    entries = n_q * n_k
    diagnoses: _Diagnoses = [
        (8 * expected, "It is 8 times too large: that is the size in bits. Return bytes: itemsize is "
                       "already the number of bytes per number (8 bits make a byte)."),
        (4 * entries, f"It is the size for 4 bytes per number, but itemsize={size} was passed: use the "
                      "itemsize argument (float64 numbers take 8 bytes, float16 2)."),
        (entries, "It is the number of entries, n_q x n_k: multiply by itemsize, the bytes each "
                  "number takes."),
        *[(n * n * size, f"It uses {name} x {name} entries; the matrix has one row per query and one "
                         f"column per key, n_q x n_k (here {n_q} x {n_k}).")
          for n, name in ((n_q, "n_q"), (n_k, "n_k"))],
        (2 * expected, "It counts two matrices (scores and weights, say): the definition is the bytes "
                       "of one (n_q, n_k) matrix." + (
                           # with itemsize 4, "float64 always" gives the same number
                           " Or it uses 8 bytes per number (float64) where itemsize=4 was asked for: "
                           "use the itemsize argument." if size == 4 else "")),
        (expected / 2**20, "It is in mebibytes (MiB); return the number of bytes."),
        (expected / 1e6, "It is in megabytes (MB); return the number of bytes."),
    ]
    if size not in (1, 4, 8):              # (1: the "bits" mistake, 4: "two matrices", 8: right)
        diagnoses.append((8 * entries, f"It is the size for 8 bytes per number (float64), but "
                                       f"itemsize={size} was passed: use the itemsize argument."))
    if size != 4:                          # (with itemsize 4 this is the "bits" mistake above)
        diagnoses.append((32 * entries, "It is the size in bits of float32 numbers: return bytes, "
                                        "and use the itemsize argument."))
    _grade_number(attention_memory_bytes, "attention_memory_bytes", args, kwargs, expected,
                  diagnoses, _MEMORY_DEFINITION, hidden)


# --------------------------------------------------------------------------- local_window_mask

def _window_cases(hidden: bool) -> list[tuple[int, int]]:
    if hidden:
        return hidden_cases("cost").window_cases()
    return [(5, 1), (4, 0)]


def _slice_rows(n: int, window: int) -> np.ndarray:
    """The mask a row-by-row slice i - window : i + window + 1 gives, unclipped at 0."""
    rows = np.zeros((n, n), dtype=bool)
    for q in range(n):
        rows[q, q - window:q + window + 1] = True
    return rows


@guarded
def check_local_window_mask(local_window_mask: Callable, hidden: bool = False) -> None:
    """Check ``local_window_mask(n, window)`` -> (n, n) bool, True where |i - j| <= window."""
    __tracebackhide__ = True
    for n, window in _window_cases(hidden):
        expected = cost.local_window_mask(n, window).astype(float)
        i, j = np.indices((n, n))
        label = f"local_window_mask(n={n}, window={window})"
        width = ("It treats window as the total width of the band (about window / 2 keys on each side): "
                 "window is the number of keys allowed on EACH side, query i sees keys i - window .. "
                 "i + window.")
        halves = [abs(i - j) <= window // 2, abs(i - j) <= (window - 1) // 2]
        strict = abs(i - j) < window
        diagnoses: _Diagnoses = [
            (strict,
             "It is one position too narrow on each side: keys at distance exactly `window` must be "
             "included (|i - j| <= window, not <)." + (
                 " (Or, if window was read as the total width of the band: window is the number of keys "
                 "allowed on EACH side.)" if any((h == strict).all() for h in halves) else "")),
            *[(h, width) for h in halves],
            (_slice_rows(n, window),
             "Rows near the start are wrong, as with a slice mask[i, i - window:i + window + 1] whose "
             "negative start (i - window < 0) Python counts from the END of the row, giving an empty "
             "or short slice. Clip the start at 0: max(0, i - window)."),
            (abs(i - j) <= window + 1,
             "It is one position too wide on each side: keys at distance window + 1 must be left out "
             "(|i - j| <= window)."),
            ((i - j >= 0) & (i - j <= window),
             "It only looks back (a causal window: keys i - window .. i). A local window looks both "
             "ways: query i sees keys i - window .. i + window."),
            ((j - i >= 0) & (j - i <= window),
             "It only looks forward (keys i .. i + window). A local window looks both ways: query i "
             "sees keys i - window .. i + window."),
            (abs(i - j) > window, swapped("the keys outside the window", ": True marks the keys within "
                                                                         "the window")),
        ]
        returned = call_student(local_window_mask, "local_window_mask", n, window,
                                forbidden=FORBIDDEN["local_window_mask"], label=label)
        check_bool_mask(returned, expected, label, diagnoses,
                        shape_hint="The mask has one row per query position and one column per key "
                                   "position: shape (n, n).")


# --------------------------------------------------------------------------- chunked_attention

@dataclass
class _Chunked:
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    chunk_size: int
    mask: np.ndarray | None = None
    measure_memory: bool = False


def _random(batch: tuple[int, ...], n_q: int, n_k: int, d_k: int, d_v: int, chunk_size: int, seed: int,
            mask: np.ndarray | None = None, scale: float = 1.0) -> _Chunked:
    rng = np.random.default_rng(700 + seed)
    return _Chunked(scale * rng.normal(size=batch + (n_q, d_k)), scale * rng.normal(size=batch + (n_k, d_k)),
                    rng.normal(size=batch + (n_k, d_v)), chunk_size, mask)


def _growing_scores(n_q: int, n_k: int, top: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries and keys whose scores grow along the keys (up to about ``top`` after the scaling),
    so the running maximum moves in every chunk, and values with a large spread."""
    rng = np.random.default_rng(800 + seed)
    Q = np.abs(rng.normal(size=(n_q, 2))) + 0.5
    K = np.linspace(-0.2, 1.0, n_k)[:, None] * np.array([[1.0, 1.0]]) * top * math.sqrt(2) / 2
    V = rng.normal(size=(n_k, 3)) * 10
    return Q, K, V


def _memory_case(mask: np.ndarray | None = None) -> _Chunked:
    """The large case whose memory the grader measures: 512 queries, 4096 keys in chunks of 32."""
    case = _random((), 512, 4096, 16, 8, 32, seed=99, mask=mask)
    case.measure_memory = True
    return case


def _chunked_cases(hidden: bool) -> list[_Chunked]:
    if hidden:
        return hidden_cases("cost").chunked_cases()
    Q = np.array([[1.0, 0.0], [0.0, 2.0]])
    K = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0], [-1.0, 3.0], [1.0, -1.0]])
    V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [2.0, -1.0, 0.0]])
    front = np.ones((4, 7), dtype=bool)
    front[0, :3] = False                                           # query 0: its first chunk blocked
    front[1] = False                                               # query 1: nothing to attend to
    front[3, ::2] = False
    return [_Chunked(Q, K, V, 2),
            _random((), 4, 7, 4, 3, 3, seed=1, mask=front),
            _Chunked(*_growing_scores(3, 8, 800.0, seed=2), 3),
            _memory_case()]


def _blocked_front(case: _Chunked, shape: tuple[int, ...]) -> np.ndarray:
    """(..., n_q) bool: queries whose first chunk is entirely blocked but that may attend to a
    later key (the rows where -inf - (-inf) = NaN strikes)."""
    if case.mask is None:
        return np.zeros(shape[:-1], dtype=bool)
    allowed = np.broadcast_to(case.mask, shape)
    first = allowed[..., : case.chunk_size].any(axis=-1)
    return ~first & allowed.any(axis=-1)


def _scaled(case: _Chunked, divide_by: float | None = None) -> np.ndarray:
    d_k = case.Q.shape[-1]
    return case.Q @ np.swapaxes(case.K, -1, -2) / (math.sqrt(d_k) if divide_by is None else divide_by)


def _online(case: _Chunked, *, rescale_l: bool = True, rescale_acc: bool = True,
            mask_slice: str = "chunk", keep: str = "all") -> np.ndarray:
    """A (possibly mistaken) online softmax over the case's chunks, for diagnoses."""
    s_all = _scaled(case)
    n_k, c = case.K.shape[-2], case.chunk_size
    allowed = None if case.mask is None else np.broadcast_to(case.mask, s_all.shape)
    m = np.full(s_all.shape[:-1] + (1,), -np.inf)
    l = np.zeros_like(m)
    acc = np.zeros(s_all.shape[:-1] + (case.V.shape[-1],))
    starts = list(range(0, n_k, c))
    if keep == "drop_tail":
        starts = list(range(0, (n_k // c) * c, c))
    for start in starts:
        s = s_all[..., start:start + c]
        if allowed is not None:
            a = allowed[..., start:start + c] if mask_slice == "chunk" else allowed[..., : s.shape[-1]]
            s = np.where(a, s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isneginf(m_new), 0.0, m_new)
        p = np.exp(s - shift)
        r = np.exp(m - shift)
        pv = p @ case.V[..., start:start + c, :]
        if keep == "last":
            l, acc = p.sum(axis=-1, keepdims=True), pv
        else:
            l = (r if rescale_l else 1.0) * l + p.sum(axis=-1, keepdims=True)
            acc = (r if rescale_acc else 1.0) * acc + pv
        m = m_new
    return np.divide(acc, l, out=np.zeros(np.broadcast_shapes(acc.shape, l.shape)), where=l > 0)


@np.errstate(all="ignore")
def _chunked_diagnoses(case: _Chunked) -> _Diagnoses:
    """(wrong output, message) for the mistakes of a chunked / online softmax; the mistakes of any
    attention (scaling, masks, axes) come from :mod:`.diagnoses.pair`."""
    K, V, c, mask = case.K, case.V, case.chunk_size, case.mask
    n_k = K.shape[-2]
    s = _scaled(case)
    allowed = None if mask is None else np.broadcast_to(mask, s.shape)

    def attend(scores: np.ndarray, ok: Any = "mask", values: np.ndarray = V) -> np.ndarray:
        """softmax(scores) @ values, with the case's mask (or ``ok``; None for no mask)."""
        ok = allowed if isinstance(ok, str) else ok
        return (softmax(scores) if ok is None else masked_softmax(scores, ok)) @ values

    found: _Diagnoses = []
    if n_k > c:
        found += [
            (_online(case, rescale_l=False, rescale_acc=False),
             "The running sums were not rescaled when the running maximum changed. Each chunk's "
             "exponentials are taken relative to the maximum seen so far, m; when a later chunk raises "
             "it to m', the earlier sums l and acc are still relative to the old m: multiply both by "
             "exp(m - m') before adding the new chunk."),
            *[(_online(case, rescale_l=not l_missing, rescale_acc=l_missing),
               f"The {done} was rescaled when the maximum changed, but the {missing} was not: both "
               "are relative to the running maximum, so both need the factor exp(m - m').")
              for l_missing, done, missing in ((False, "running sum l", "weighted sum of values (acc)"),
                                               (True, "weighted sum of values (acc)", "running sum l"))],
            (_online(case, keep="last"),
             "Only the last chunk of keys counts: the running sums seem to be replaced by each new "
             "chunk's sums instead of being added to (after rescaling)."),
        ]
        chunks = [slice(a, a + c) for a in range(0, n_k, c)]
        per_chunk = [attend(s[..., sl], None if allowed is None else allowed[..., sl], V[..., sl, :])
                     for sl in chunks]
        found += [
            (sum(per_chunk) / len(per_chunk),
             "It averages the outputs of each chunk's own softmax. Each chunk was normalised "
             "separately, so a chunk of weak keys counts as much as a chunk of strong ones; the "
             "softmax must be normalised over ALL keys: carry the running maximum and sum across "
             "chunks, and divide only at the end."),
            (per_chunk[0], "Only the first chunk of keys counts: the function seems to return (or stop) "
                           "after the first chunk."),
        ]
        if n_k % c:
            found.append((_online(case, keep="drop_tail"),
                          f"The last, shorter chunk was left out: {n_k} keys in chunks of {c} leave "
                          f"{n_k % c} key(s) at the end. Loop with range(0, n_k, chunk_size) and slice "
                          "K[..., start:start + chunk_size, :], which stops at the end by itself."))
        if allowed is not None and not allowed.all():
            found.append((_online(case, mask_slice="first"),
                          "Every chunk used the mask's first columns: slice the mask's key axis along "
                          "with the keys, mask[..., start:start + chunk_size]."))
    front = _blocked_front(case, s.shape)
    if front.any():
        found.append((np.where(front[..., None], 0.0, attend(s)), _NAN_FRONT + (
            " Here those NaN became 0 on the way (a division only where l > 0 does that), so these "
            "queries' output rows came out all 0.")))
    return found


_FRONT = ("queries whose FIRST chunk of keys is entirely masked (they may attend to later keys). "
          "This is the classic online-softmax bug: after such a chunk the running maximum is still "
          "-inf, and exp(s - m) computes -inf - (-inf) = NaN, which then spreads to the running sums "
          "for good. While the maximum is still -inf, subtract 0 instead (exp(-inf - 0) = 0 is right: "
          "nothing has been seen yet).")
_NAN_FRONT = "It goes wrong for " + _FRONT


def _nonfinite(case: _Chunked, expected: np.ndarray) -> _Diagnoses:
    """(predicate, message) for NaN or infinity in the student's output."""
    shape = expected.shape[:-1] + (case.K.shape[-2],)
    front = _blocked_front(case, shape)
    empty = (np.zeros(shape[:-1], bool) if case.mask is None
             else ~np.broadcast_to(case.mask, shape).any(axis=-1))
    big = float(np.abs(_scaled(case)).max())

    def rows(a: np.ndarray) -> np.ndarray:
        return (~np.isfinite(a)).any(axis=-1)

    found: _Diagnoses = []
    if front.any():
        found.append((
            lambda a: a.shape == expected.shape and bool((rows(a) & front).any())
            and not (rows(a) & ~front & ~empty).any(),
            "Its NaN rows are " + _FRONT))
    if empty.any():
        found.append((
            lambda a: a.shape == expected.shape and bool(rows(a).any()) and not (rows(a) & ~empty).any(),
            "It has " + empty_rows_nan(": their running sum l stays 0, and 0/0 is NaN.",
                                       "A query with nothing to attend to should get a zero output "
                                       "row: divide only where l > 0.")))
    if big > 700:
        found.append((
            lambda a: a.shape == expected.shape,
            overflow_hint(big, fix="subtract the running maximum before exponentiating, and rescale "
                                   "the running sums when it grows.")))
    return found


def _raised_hints(err: FeedbackError, case: _Chunked) -> list[str]:
    """Advice for an exception chunked_attention raised: batch axes, the mask's shape, a mask
    used as a truth value or missing its default."""
    raised = err.raised
    scores = case.Q.shape[:-1] + (case.K.shape[-2],)
    return [errors.batch_matmul(raised, case.Q.shape[:-2], "Slice chunks with K[..., start:stop, :].",
                                signs=errors.MATMUL + ("broadcast", "mismatch")),
            errors.mask_as_index(raised, None if case.mask is None else np.shape(case.mask), scores,
                                 "Broadcast it to (..., n_k) along its last axis before slicing chunks "
                                 "(np.broadcast_to gives a view, without copying)."),
            errors.mask_truth_value(raised), errors.mask_default(raised)]


def _check_memory(label: str, peak: int, case: _Chunked) -> None:
    __tracebackhide__ = True
    n_q, n_k, c = case.Q.shape[-2], case.K.shape[-2], case.chunk_size
    full = cost.attention_memory_bytes(n_q, n_k, itemsize=8)
    if peak <= MEMORY_SHARE * full:
        return
    chunk = cost.attention_memory_bytes(n_q, c, itemsize=8)
    fail(f"{label} gives the right output but held up to {peak / 2**20:.1f} MiB of arrays at once. "
         f"The full ({n_q}, {n_k}) matrix of scores takes {full / 2**20:.1f} MiB in float64, while one "
         f"chunk of {n_q} x {c} scores takes {chunk / 2**20:.2f} MiB; the limit here is "
         f"{MEMORY_SHARE * full / 2**20:.0f} MiB. The function seems to build something as large as all "
         "the scores at once: the whole score matrix, a list of every chunk's scores or exponentials "
         "combined at the end, or a full-size numeric copy of the mask. Keep only the current chunk's "
         "scores, and per query the running maximum, sum and weighted sum of values.")


@dataclass(frozen=True)
class _Prepared:
    """A case of chunked_attention with what it must return and the known mistakes' outputs."""

    case: _Chunked
    expected: np.ndarray
    diagnoses: tuple[tuple[Any, str], ...]
    nonfinite: tuple[tuple[Any, str], ...]


def _prepared_cases(hidden: bool) -> tuple[_Prepared, ...]:
    """The cases with their expected outputs and diagnoses, made once per process and per source
    of cases. The hidden module is looked up on every call, so a kept copy never stands in for
    hidden cases that are not installed here."""
    return _prepare(hidden_cases("cost") if hidden else None)


@functools.lru_cache(maxsize=2)
def _prepare(hidden_module: Any) -> tuple[_Prepared, ...]:
    """The cases (the hidden module's, or the visible ones where it is None), prepared as
    read-only arrays: the memory case's reference runs 128 chunks in Python, and every case
    simulates a dozen mistakes, while the grader runs the check again for every notebook (its
    memory is measured in the kernel, so no guess stands in for it)."""
    prepared = []
    for case in _chunked_cases(hidden_module is not None):
        if case.measure_memory:
            expected = cost.chunked_attention(case.Q, case.K, case.V, case.chunk_size, case.mask)
            diagnoses: _Diagnoses = []
            nonfinite: _Diagnoses = []
        else:
            # The chunk-specific mistakes first, then those of any attention (scaling, masks, axes).
            att = Attention(case.Q, case.K, case.V, case.mask)
            expected = att.output
            diagnoses = output_diagnoses(att, weight_diagnoses(att), extra=_chunked_diagnoses(case))
            nonfinite = _nonfinite(case, expected)
        for array in (case.Q, case.K, case.V, case.mask, expected):
            read_only(array)
        prepared.append(_Prepared(case, expected, tuple((read_only(w), m) for w, m in diagnoses),
                                  tuple(nonfinite)))
    return tuple(prepared)


def warm_up() -> None:
    """The grader's warm-up (in the background while a kernel starts): every case prepared."""
    for hidden in (False, True):
        _prepared_cases(hidden)


@guarded
def check_chunked_attention(chunked_attention: Callable, hidden: bool = False) -> None:
    """Check ``chunked_attention(Q, K, V, chunk_size, mask=None)`` -> (..., n_q, d_v): equal to exact
    attention, and, on a large case, without holding the full score matrix in memory."""
    __tracebackhide__ = True
    for prepared in _prepared_cases(hidden):
        case, expected = prepared.case, prepared.expected
        diagnoses, nonfinite = list(prepared.diagnoses), list(prepared.nonfinite)
        # the function gets copies: the prepared arrays are kept for the next call
        args = {"Q": case.Q.copy(), "K": case.K.copy(), "V": case.V.copy()}
        kwargs: dict[str, Any] = {"chunk_size": case.chunk_size}
        if case.mask is not None:
            kwargs["mask"] = np.array(case.mask)
        shown = [f"{k} of shape {v.shape}" for k, v in args.items()] + [f"chunk_size={case.chunk_size}"]
        if case.mask is not None:
            shown.append(f"mask of shape {np.shape(case.mask)}")
        label = f"chunked_attention({', '.join(shown)})"
        try:
            call = call_student_measured if case.measure_memory else call_student
            result = call(chunked_attention, "chunked_attention", *args.values(),
                          forbidden=FORBIDDEN["chunked_attention"], label=label, **kwargs)
            returned, peak = result if case.measure_memory else (result, 0)
        except FeedbackError as err:
            errors.add_hints(err, *_raised_hints(err, case))
        if isinstance(returned, tuple):
            fail(f"{label} returned a tuple of {len(returned)} items; it should return only the output "
                 "array (..., n_q, d_v). Chunked attention never forms the full weights, so it cannot "
                 "return them.")
        arr = to_array(returned, label)
        finite_hint = ""
        if arr.shape == expected.shape and not np.isfinite(arr).all():
            for wrong, message in nonfinite:
                if wrong(arr):
                    finite_hint = message
                    break
        scale = max(1.0, float(np.abs(case.V).max()))
        check_close(arr, expected, label, rtol=1e-5, atol=1e-6 * scale, diagnoses=diagnoses,
                    finite_hint=finite_hint, show_values=not hidden,
                    shape_hint="The output has one row per query and one column per value feature: "
                               "(..., n_q, d_v), with the batch axes of Q, K and V in front.")
        if case.measure_memory:
            _check_memory(label, peak, case)


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'attention_flops': check_attention_flops,
    'attention_memory_bytes': check_attention_memory_bytes,
    'local_window_mask': check_local_window_mask,
    'chunked_attention': check_chunked_attention,
}
#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'attention_flops': cost.attention_flops,
    'attention_memory_bytes': cost.attention_memory_bytes,
    'local_window_mask': cost.local_window_mask,
    'chunked_attention': cost.chunked_attention,
}


#: The questions (qkv_course/checks/questions.py): the answer's parts and their form; the keys
#: are the grader's (qkv_grader.hidden.cost.KEYS).
QUESTIONS = question_checks(
    "cost",
    Question("layer_bill", (
        Part("flops", "number", "the FLOPs of attention's two products, all 16 heads, to 3 "
                                "significant figures", rtol=5e-3),
        Part("gigabytes", "number", "the score matrices of all 16 heads, in GB (10^9 bytes)"),
        Part("crossover_n", "int", "the length n at which the two products cost as much as the "
                                   "four projections", low=1, high=10**9))),
    Question("local_window", (
        Part("kept", "int", "how many of the 1000 x 1000 scores the window keeps", low=0, high=10**6),
        Part("band_flops", "number", "the FLOPs of a kernel that computes only the kept scores, to 3 "
                                     "significant figures", rtol=5e-3),
        Part("layers", "int", "the fewest stacked layers for position 999 to see position 0",
             low=1, high=1000))),
    Question("online_softmax", (
        Part("l", "numbers", "the running sum l after chunks 1, 2 and 3", length=3),
        Part("output", "number", "the query's output a / l after the last chunk"),
        Part("careless_nan", "bool", "whether the careless update ends in NaN"))),
)
check_layer_bill = QUESTIONS["layer_bill"]
check_local_window = QUESTIONS["local_window"]
check_online_softmax = QUESTIONS["online_softmax"]
__all__ += ["QUESTIONS", "check_layer_bill", "check_local_window", "check_online_softmax"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
