"""Checks for assignment ps05, "Masking and cross-attention".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``) and
raises :class:`~qkv_course.grading.core.FeedbackError` with a targeted message
on the first problem. Expected results come from :mod:`qkv_course.masks` and
:mod:`qkv_course.attention`, computed before the student's code runs; the
student's code may not call them.

Masks are boolean, True = may attend. A mask with the right True/False pattern
but another dtype (0/1 integers or floats) gets its own message: the values are
right, the type is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .. import attention, masks
from ..softmax import masked_softmax, softmax
from .core import FeedbackError, call_student, check_close, fail, matches, to_array
from .tripwire import shortcuts

__all__ = ["check_causal_mask", "check_padding_mask", "check_cross_attention", "FORBIDDEN"]


def _reference(module: str, *names: str) -> dict[str, str]:
    return {f"qkv_course.{module}.{n}": f"qkv_course.{module}.{n}" for n in names}


_MASKS = _reference("masks", "causal_mask", "padding_mask", "key_padding_mask", "combine_masks")
_ATTENTION = _reference("attention", "cross_attention", "self_attention",
                        "scaled_dot_product_attention", "attention_scores")
_SOFTMAXES = {**_reference("softmax", "softmax", "masked_softmax", "log_softmax"),
              **shortcuts("torch.softmax", "scipy.special.softmax")}
_TORCH_ATTENTION = shortcuts("torch.nn.functional.scaled_dot_product_attention",
                             "torch.nn.MultiheadAttention")

#: What each graded function may not call (internal name -> name shown to the student).
#: cross_attention may use qkv_course.projections.project_qkv (problem set 3's building block)
#: and the course's masks (it receives its mask ready-made anyway).
FORBIDDEN: dict[str, dict[str, str]] = {
    "causal_mask": dict(_MASKS),
    "padding_mask": dict(_MASKS),
    "cross_attention": {**_ATTENTION, **_SOFTMAXES, **_TORCH_ATTENTION},
}


def _reraise_with_hint(exc: FeedbackError, hint: str) -> None:
    """If ``exc`` reports an exception raised by the student's code, add ``hint`` to it."""
    __tracebackhide__ = True
    message = str(exc)
    if hint and " raised " in message.split(". ")[0]:
        sep = " " if message.endswith(".") else ". "
        raise FeedbackError(f"{message}{sep}{hint}") from (exc.__context__ or exc)
    raise exc


def _first_failing(arr: np.ndarray, expected: np.ndarray, label: str,
                   diagnoses: Sequence[tuple[Any, str]], rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Try the known mistakes before any other check (check_close looks for NaN first, but a
    known mistake may itself produce NaN, and then its own message is the more useful one)."""
    __tracebackhide__ = True
    if matches(arr, expected, rtol, atol):
        return
    for wrong, message in diagnoses:
        if wrong is None:
            continue
        hit = wrong(arr) if callable(wrong) else matches(arr, wrong, rtol, atol)
        if hit:
            fail(f"{label} returned a wrong result. {message}")


# --------------------------------------------------------------------------- masks (shared)

def _check_bool_mask(result: Any, expected: np.ndarray, label: str, diagnoses: Sequence[tuple[Any, str]],
                     shape_hint: str) -> None:
    """Grade a mask: first its True/False pattern (compared as 0/1 floats), then its type."""
    __tracebackhide__ = True
    arr = to_array(result, label)
    _first_failing(arr, expected, label, diagnoses)
    check_close(arr, expected, label, shape_hint=shape_hint, show_values=True)
    if not isinstance(result, np.ndarray):
        fail(f"{label} has the right True/False pattern but returned a {type(result).__name__}; "
             "return a numpy array of dtype bool.")
    if result.dtype != np.bool_:
        fail(f"{label} has the right pattern, but its dtype is {result.dtype}, not bool. A mask must be "
             "boolean (True = may attend): with 0/1 numbers, `~mask` gives -1 and -2 instead of "
             "flipping the mask, and `x[mask]` picks entries by index instead of selecting them. "
             "Build the mask from a comparison (which gives booleans) or convert it to bool.")


# --------------------------------------------------------------------------- causal_mask

def _causal_cases(hidden: bool) -> list[int]:
    return [1, 2, 3, 7, 12] if hidden else [4, 1]


def check_causal_mask(causal_mask: Callable, hidden: bool = False) -> None:
    """Check ``causal_mask(n)`` -> (n, n) bool, True where key position j <= query position i."""
    __tracebackhide__ = True
    for n in _causal_cases(hidden):
        expected = masks.causal_mask(n).astype(float)
        label = f"causal_mask(n={n})"
        eye = np.eye(n)
        diagnoses = [
            (expected.T,
             "Its True entries are on and *above* the diagonal (key position >= query position). "
             "Rows are queries and columns are keys: query i may look back at keys 0..i, so the "
             "True entries belong on and below the diagonal."),
            (expected - eye,
             "The diagonal is False, so no token may attend to itself. A token may always see its own "
             "position: True where key position <= query position, including equality."),
            (1 - expected,
             "True and False are swapped: it marks the future positions, the ones to block. In this "
             "course a mask says where a query MAY attend (True = allowed)."),
            (np.ones((n, n)),
             "Every entry is True, which is no mask at all (bidirectional attention): query i must not "
             "see keys after position i."),
            (eye,
             "Only the diagonal is True: each query would see only itself. A causal query sees every "
             "earlier position as well."),
        ]
        returned = call_student(causal_mask, "causal_mask", n, forbidden=FORBIDDEN["causal_mask"],
                                label=label)
        _check_bool_mask(returned, expected, label, diagnoses[1:] if n == 1 else diagnoses,
                         shape_hint="A causal mask has one row per query position and one column per "
                                    "key position: shape (n, n).")


# --------------------------------------------------------------------------- padding_mask

@dataclass
class _Lengths:
    lengths: Any          # what the student receives: a list, tuple or numpy array
    max_len: int


def _padding_cases(hidden: bool) -> list[_Lengths]:
    if not hidden:
        return [_Lengths([2, 4, 3], 4), _Lengths(np.array([1, 3]), 5)]
    return [
        _Lengths([3, 0, 5, 1], 5),                       # an empty sequence and a full one
        _Lengths(np.array([6, 6, 2, 4, 1, 3]), 6),       # batch == max_len: a transpose keeps the shape
        _Lengths(np.array([4]), 4),                      # one sequence, no padding
        _Lengths([0, 0], 3),                             # only padding
        _Lengths(np.array([1, 1, 1]), 1),                # max_len 1
        _Lengths((5, 2, 7), 9),                          # a tuple
    ]


def check_padding_mask(padding_mask: Callable, hidden: bool = False) -> None:
    """Check ``padding_mask(lengths, max_len)`` -> (batch, max_len) bool, True at real positions."""
    __tracebackhide__ = True
    for case in _padding_cases(hidden):
        lengths = np.asarray(case.lengths)
        M = case.max_len
        expected = masks.padding_mask(lengths, M).astype(float)
        pos = np.arange(M)
        label = f"padding_mask(lengths={case.lengths!r}, max_len={M})"
        full = lengths == M
        sliced = expected * ~full[:, None]
        diagnoses = [
            (1 - expected,
             "True and False are swapped: it marks the padding. The mask says where a query may "
             "attend, so True marks the real tokens and False the padding."),
            ((pos <= lengths[:, None]).astype(float)[:, :M] if (lengths < M).any() else None,
             "Each sequence has one True too many. A sequence of length L has real tokens at positions "
             "0 .. L-1 (counting from 0), so position L is already padding."),
            ((pos < lengths[:, None] - 1).astype(float) if (lengths > 0).any() else None,
             "Each sequence has one True too few: a sequence of length L has L real tokens, at "
             "positions 0 .. L-1."),
            (lambda a, e=expected: a.shape == e.shape[::-1] and a.shape != e.shape
             and matches(a, e.T),
             "Its rows are positions and its columns are sequences: return one row per sequence, "
             "shape (batch, max_len)."),
            (expected.T if expected.shape[0] == M and not matches(expected.T, expected) else None,
             "Its rows are positions and its columns are sequences: return one row per sequence, "
             "shape (batch, max_len)."),
            (expected[:, ::-1] if not matches(expected[:, ::-1], expected) else None,
             "The True entries are at the end of each row (left padding). In this course the real "
             "tokens come first and the padding is added at the end."),
            (sliced if full.any() else None,
             "A sequence with no padding at all (length == max_len) came out all False. Watch out for "
             "slices with a negative bound such as [:-k] or [-k:]: when k is 0, -0 is 0, and the "
             "slice covers nothing (or everything)."),
        ]
        try:
            returned = call_student(padding_mask, "padding_mask", case.lengths, M,
                                    forbidden=FORBIDDEN["padding_mask"], label=label)
        except FeedbackError as exc:
            hint = ("Note that lengths may be a Python list or tuple, which has no .shape and cannot be "
                    "indexed with [:, None]: turn it into a numpy array first."
                    if not isinstance(case.lengths, np.ndarray) else "")
            _reraise_with_hint(exc, hint)
        _check_bool_mask(returned, expected, label, diagnoses,
                         shape_hint="The mask has one row per sequence and one column per position: "
                                    "shape (batch, max_len) = (len(lengths), max_len).")


# --------------------------------------------------------------------------- cross_attention

@dataclass
class _Cross:
    X_q: np.ndarray
    X_kv: np.ndarray
    W: tuple[np.ndarray, np.ndarray, np.ndarray]
    mask: np.ndarray | None = None


def _weights(d_model: int, d_k: int, d_v: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W_q, W_k (d_model, d_k) and W_v (d_model, d_v) with standard normal entries."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(d_model, d_k)), rng.normal(size=(d_model, d_k)),
            rng.normal(size=(d_model, d_v)))


def _random_case(batch: tuple[int, ...], n_q: int, n_kv: int, d_model: int, d_k: int, d_v: int,
                 seed: int, mask: np.ndarray | None = None, scale: float = 0.5) -> _Cross:
    rng = np.random.default_rng(100 + seed)
    return _Cross(scale * rng.normal(size=batch + (n_q, d_model)),
                  scale * rng.normal(size=batch + (n_kv, d_model)),
                  _weights(d_model, d_k, d_v, seed), mask)


def _small_example() -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Three query tokens, two key/value tokens, d_model = d_k = 2, d_v = 3: checkable by hand."""
    X_q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    X_kv = np.array([[2.0, 0.0], [0.0, 1.0]])
    W_q = np.array([[1.0, 0.0], [0.0, 1.0]])
    W_k = np.array([[1.0, 1.0], [0.0, 1.0]])
    W_v = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    return X_q, X_kv, (W_q, W_k, W_v)


def _cross_cases(hidden: bool) -> list[_Cross]:
    if not hidden:
        X_q, X_kv, W = _small_example()
        some = np.array([[True, False], [True, True], [False, False]])
        pad = masks.key_padding_mask(masks.padding_mask([4, 2], 4))          # (2, 1, 4)
        return [_Cross(X_q, X_kv, W), _Cross(X_q, X_kv, W, some),
                _random_case((2,), 3, 4, 2, 2, 3, seed=1, mask=pad)]
    rng = np.random.default_rng(7)
    row_mask = rng.random((4, 6)) < 0.6
    row_mask[0] = True
    row_mask[2] = False                                                     # a query with no key
    pad3 = masks.key_padding_mask(masks.padding_mask([6, 1, 3], 6))           # (3, 1, 6)
    pad_b2 = masks.key_padding_mask(masks.padding_mask([5, 2, 4], 5))         # (3, 1, 5): over the 2nd axis
    q_real, k_real = masks.padding_mask([5, 3], 5), masks.padding_mask([3, 2], 3)
    both = q_real[:, :, None] & k_real[:, None, :]                          # padding queries see nothing
    big_mask = np.ones((3, 8), dtype=bool)
    big_mask[:, 5:] = False
    big_mask[1, :2] = False
    return [
        _random_case((), 7, 5, 6, 4, 3, seed=11),                           # translation-like, no mask
        _random_case((), 4, 6, 3, 5, 2, seed=12, mask=row_mask),            # (n_q, n_kv) mask
        _random_case((3,), 4, 6, 5, 3, 4, seed=13, mask=pad3),              # key padding, 1 batch axis
        _random_case((2, 3), 2, 5, 4, 1, 3, seed=14, mask=pad_b2),          # 2 batch axes, d_k = 1
        _random_case((2,), 5, 3, 4, 2, 3, seed=15, mask=both),              # fully masked rows
        _random_case((), 3, 8, 4, 4, 4, seed=16, mask=big_mask, scale=25.0),  # large scores
        _random_case((2,), 1, 4, 1, 2, 1, seed=19, scale=1.0),              # one query, d_model = d_v = 1
        _random_case((), 6, 1, 3, 2, 2, seed=18),                           # one key
    ]


def _nan_rows(w: np.ndarray) -> np.ndarray | None:
    """``w`` with its all-zero rows (fully masked queries) turned into NaN, as 0/0 would make them."""
    empty = (w == 0).all(axis=-1, keepdims=True)
    return np.where(empty, np.nan, w) if empty.any() else None


def _try(f: Callable[[], np.ndarray]) -> np.ndarray | None:
    """The result of a mistaken computation, or None where that mistake cannot even run."""
    try:
        with np.errstate(all="ignore"):
            return f()
    except (ValueError, IndexError):
        return None


def _weight_diagnoses(case: _Cross, Q: np.ndarray, K: np.ndarray, d_model: int,
                      expected: np.ndarray) -> list[tuple[Any, str]]:
    """(what a known mistake returns as weights, message) for one case. Mistakes that happen to give
    the right weights on this case are left out; each remaining one is also tried with NaN in its
    fully masked rows (what it gives when 0/0 is not handled)."""
    W_q, W_k, _ = case.W
    d_k = Q.shape[-1]
    mask = case.mask
    full = None if mask is None else np.broadcast_to(mask, Q.shape[:-2] + (Q.shape[-2], K.shape[-2]))

    def weights_of(S: np.ndarray, allowed: np.ndarray | None = full, axis: int = -1) -> np.ndarray:
        return softmax(S, axis=axis) if allowed is None else masked_softmax(S, allowed, axis=axis)

    S = Q @ np.swapaxes(K, -1, -2)
    found: list[tuple[Any, str]] = [
        (weights_of(S),
         "It looks like the scores were not divided by sqrt(d_k) before the softmax (d_k is the size of "
         "the queries and keys, the number of columns of W_q)."),
        (weights_of(S / d_k) if d_k != 1 else None,
         "It looks like the scores were divided by d_k itself; the scaling is by the square root, "
         "sqrt(d_k)."),
        (weights_of(S / np.sqrt(d_model)) if d_model != d_k else None,
         "It looks like the scores were divided by sqrt(d_model) (the size of the token vectors); scale "
         "by sqrt(d_k), the size of the queries and keys."),
        (weights_of((case.X_q @ W_k) @ np.swapaxes(K, -1, -2) / np.sqrt(d_k)),
         "The queries look projected with W_k: queries are X_q @ W_q."),
        (weights_of(Q @ np.swapaxes(case.X_kv @ W_q, -1, -2) / np.sqrt(d_k)),
         "The keys look projected with W_q: keys are X_kv @ W_k."),
        (_try(lambda: weights_of(S / np.sqrt(d_k), axis=-2)),
         "Each *key's* weights sum to 1 (the softmax ran over the query axis). Every query spreads its "
         "attention over the keys, so normalise along the last axis, the keys."),
        (_try(lambda: weights_of(Q @ np.transpose(K) / np.sqrt(d_k))) if K.ndim > 2 else None,
         "With leading batch axes, .T reverses *all* the axes of an array, not just the last two: "
         "transpose only the last two axes of the keys."),
    ]
    if mask is not None:
        scaled = S / np.sqrt(d_k)
        plain = softmax(scaled)
        uniform = np.where((~full).all(-1, keepdims=True), 1.0 / K.shape[-2], weights_of(scaled))
        found += [
            (plain if not matches(plain, weights_of(scaled)) else None,
             "It is the result without the mask: the mask was ignored. Keys where the mask is False "
             "must get exactly 0 weight."),
            (weights_of(scaled, ~full),
             "The mask was used the wrong way round: True means the query MAY attend to that key, so "
             "the keys where the mask is False are the ones to exclude."),
            (plain * full if not matches(plain * full, weights_of(scaled)) else None,
             "The masked weights were set to 0 after the softmax, so the rows no longer sum to 1. Mask "
             "the scores before the softmax (a score of -inf becomes a weight of exactly 0)."),
            (uniform if not matches(uniform, weights_of(scaled)) else None,
             "A query whose mask row is all False got equal weights on every key. That happens when "
             "masked scores are set to a large negative number (like -1e9) instead of -inf: then a "
             "fully masked row is uniform. Such a query has nothing to attend to, so its weights "
             "must all be 0 (and its output row 0)."),
        ]
    found = [(w, msg) for w, msg in found if w is not None and not matches(w, expected, 1e-5, 1e-9)]
    return found + [(_nan_rows(w), msg) for w, msg in found if _nan_rows(w) is not None]


def _cross_hint(case: _Cross, Q: np.ndarray, K: np.ndarray, error: str) -> str:
    """What to look at when the student's cross_attention raised ``error`` on this case."""
    batch = Q.shape[:-2]
    scores_shape = batch + (Q.shape[-2], K.shape[-2])
    hints = []
    if case.mask is not None and case.mask.shape != scores_shape and "boolean index" in error:
        hints.append(f"The mask has shape {case.mask.shape}, fewer or shorter axes than the scores "
                     f"{scores_shape}: it must be broadcast against them (as np.where does), not used "
                     "to index them.")
    if batch and ("matmul" in error or "broadcast" in error):
        hints.append(f"This case has leading batch axes {batch}: note that .T reverses all axes of an "
                     "array, so to transpose the keys of a batch swap only their last two axes.")
    hints.append("Check the shapes: Q = X_q @ W_q is (..., n_q, d_k); K = X_kv @ W_k is (..., n_kv, d_k) "
                 "and V = X_kv @ W_v is (..., n_kv, d_v); the weights are (..., n_q, n_kv).")
    return " ".join(hints)


def _pair(returned: Any, label: str) -> tuple[Any, Any]:
    __tracebackhide__ = True
    if isinstance(returned, np.ndarray) or not isinstance(returned, (tuple, list)):
        fail(f"{label} returned a single {type(returned).__name__}; cross_attention must return two "
             "arrays, the pair (output, weights).")
    if len(returned) != 2:
        fail(f"{label} returned {len(returned)} things; it must return the pair (output, weights).")
    return returned[0], returned[1]


def check_cross_attention(cross_attention: Callable, hidden: bool = False) -> None:
    """Check ``cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None)`` -> (output, weights):
    output (..., n_q, d_v), weights (..., n_q, n_kv)."""
    __tracebackhide__ = True
    for case in _cross_cases(hidden):
        W_q, W_k, W_v = case.W
        out_expected, w_expected = attention.cross_attention(case.X_q, case.X_kv, W_q, W_k, W_v, case.mask)
        Q, K, V = case.X_q @ W_q, case.X_kv @ W_k, case.X_kv @ W_v
        d_model = case.X_q.shape[-1]
        n_q, n_kv = Q.shape[-2], K.shape[-2]
        batch = Q.shape[:-2]
        args = {"X_q": case.X_q, "X_kv": case.X_kv, "W_q": W_q, "W_k": W_k, "W_v": W_v}
        shown = [f"{k} of shape {v.shape}" for k, v in args.items()]
        shown.append("mask=None" if case.mask is None else f"mask of shape {case.mask.shape}")
        label = f"cross_attention({', '.join(shown)})"
        kwargs = {} if case.mask is None else {"mask": case.mask}
        diagnoses = _weight_diagnoses(case, Q, K, d_model, w_expected)
        try:
            returned = call_student(cross_attention, "cross_attention", *args.values(),
                                    forbidden=FORBIDDEN["cross_attention"], label=label, **kwargs)
        except FeedbackError as exc:
            _reraise_with_hint(exc, _cross_hint(case, Q, K, str(exc)))
        output, weights = _pair(returned, label)
        output = to_array(output, f"the output of {label}")
        weights = to_array(weights, f"the weights of {label}")

        if (output.shape == w_expected.shape and weights.shape == out_expected.shape
                and output.shape != weights.shape and matches(output, w_expected)):
            fail(f"{label} returned (weights, output); return them in the order (output, weights).")

        w_label = f"the weights of {label}"
        shape_diagnoses = [
            (lambda a: a.shape == batch + (n_kv, n_q),
             "They have one row per X_kv token and one column per X_q token. The weights need one row per "
             "query and one column per key: queries come from X_q (the sequence that asks), keys and "
             "values from X_kv (the sequence it reads from), and the scores are Q times K transposed."),
            (lambda a: a.shape == batch + (n_q, n_q),
             "They are square, (n_q, n_q), as in self-attention: the keys (and values) must come from "
             "X_kv, the other sequence, not from X_q."),
        ]
        _first_failing(weights, w_expected, w_label, diagnoses + shape_diagnoses, rtol=1e-5, atol=1e-9)
        empty = case.mask is not None and bool((~np.broadcast_to(case.mask, w_expected.shape)).all(-1).any())
        big = float(np.abs(Q @ np.swapaxes(K, -1, -2)).max()) > 700
        finite_hint = ""
        if empty:
            finite_hint = ("Some queries in this case have a mask row that is all False: nothing to attend "
                           "to. exp(-inf) / sum(exp(-inf)) is 0/0 = NaN; give such a query all-zero weights "
                           "(and so a zero output row) instead.")
        elif big:
            finite_hint = ("The scores here are large (in the thousands) and np.exp overflows above about "
                           "709: subtract each query's largest score before exponentiating.")
        check_close(weights, w_expected, w_label, rtol=1e-5, atol=1e-9, finite_hint=finite_hint,
                    shape_hint="The weights have one row per query (from X_q) and one column per key "
                               "(from X_kv): shape (..., n_q, n_kv).")

        o_label = f"the output of {label}"
        w = w_expected
        out_diagnoses = [
            (w @ case.X_kv if case.X_kv.shape[-1] != V.shape[-1] or not matches(w @ case.X_kv, out_expected)
             else None,
             "The weights are right, but the output averages the raw X_kv rows: the values are "
             "V = X_kv @ W_v."),
            (w @ K if K.shape[-1] != V.shape[-1] or not matches(w @ K, out_expected) else None,
             "The weights are right, but the output averages the keys: it should average the values "
             "V = X_kv @ W_v."),
            (_nan_rows(out_expected) if empty else None,
             "The weights are right but the output has NaN rows where a query has nothing to attend to: "
             "those output rows should be 0."),
        ]
        _first_failing(output, out_expected, o_label, out_diagnoses, rtol=1e-5, atol=1e-9)
        check_close(output, out_expected, o_label, rtol=1e-5, atol=1e-9,
                    shape_hint="The output has one row per query and d_v columns (the columns of W_v): "
                               "shape (..., n_q, d_v).")
