"""Checks for functions that return attention ``(output, weights)``.

Scaled dot-product attention and self-attention (ps04), cross-attention (ps05) and, later,
multi-head attention all return the pair ``(output (..., n_q, d_v), weights (..., n_q, n_k))``
for queries ``Q (..., n_q, d_k)``, keys ``K (..., n_k, d_k)`` and values ``V (..., n_k, d_v)``,
with any leading batch (and head) axes ``...`` and an optional boolean mask, True = may attend,
that broadcasts against the scores ``(..., n_q, n_k)``. This module grades such a pair:

* :class:`Attention`: the Q, K, V and mask the student's function works with (whatever its own
  arguments are) and the expected ``(output, weights)``, from the reference code, computed before
  any student code runs;
* :func:`weight_diagnoses` and :func:`output_diagnoses`: what the classic mistakes between Q, K, V
  and the pair return, each with its message;
* :func:`grade_pair`: calls the student's function and grades the pair: its form (a tuple of two,
  output first), then the weights (where almost every mistake shows), then the output. Fully
  masked rows (a query with no allowed key) must give zero weights and a zero output row; keys
  the mask blocks must get weight exactly 0.

Results may be numpy arrays of any float dtype (float32 answers pass), torch tensors, lists, or
numpy masked arrays (masked entries count as 0).
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Sequence

import numpy as np

from .. import attention
from ..softmax import masked_softmax, softmax
from .core import FeedbackError, call_student, check_close, fail, matches, proportional, to_array

__all__ = [
    "Attention",
    "Diagnoses",
    "ProjectionMistakes",
    "projection_mistakes",
    "weight_diagnoses",
    "output_diagnoses",
    "error_hint",
    "split_pair",
    "check_array",
    "grade_pair",
    "grade_projected_pair",
    "KT_HINT",
    "EMPTY_FIX",
    "RTOL",
]

#: (what a mistake returns, or a predicate on the student's array; the message naming it)
Diagnoses = list[tuple[Any, str]]

#: Relative tolerance: loose enough for answers computed in float32 (PyTorch's default dtype),
#: far tighter than any real mistake. The absolute tolerance scales with the values.
RTOL = 1e-4
_ATOL = 1e-6

_ndarray = np.ndarray

KT_FIX = ("K.T reverses every axis; swap only the last two (n_k and d_k), so that each batch "
          "element's queries meet that element's keys.")
KT_HINT = f"K has leading batch axes here: {KT_FIX}"
EMPTY_FIX = ("A query with nothing to attend to should get all-zero weights, and so a zero output row: "
             "handle those rows on purpose.")


@dataclass
class Attention:
    """One attention computation as the grader sees it.

    Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v): what the student's function should
    form from its arguments; mask: bool broadcastable to (..., n_q, n_k), or None. The expected
    ``output`` and ``weights`` come from :func:`qkv_course.attention.scaled_dot_product_attention`.
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    mask: np.ndarray | None = None
    output: np.ndarray = field(init=False)
    weights: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.output, self.weights = attention.scaled_dot_product_attention(self.Q, self.K, self.V, self.mask)

    @property
    def batch(self) -> tuple[int, ...]:
        return self.weights.shape[:-2]

    @property
    def n_q(self) -> int:
        return self.Q.shape[-2]

    @property
    def n_k(self) -> int:
        return self.K.shape[-2]

    @property
    def d_k(self) -> int:
        return self.Q.shape[-1]

    @property
    def d_v(self) -> int:
        return self.V.shape[-1]

    @property
    def raw(self) -> np.ndarray:
        """The scores before the division by sqrt(d_k), (..., n_q, n_k)."""
        return self.Q @ np.swapaxes(self.K, -1, -2)

    @property
    def scaled(self) -> np.ndarray:
        return self.raw / np.sqrt(self.d_k)

    @property
    def allowed(self) -> np.ndarray | None:
        """The mask broadcast to the scores' shape (None without a mask)."""
        return None if self.mask is None else np.broadcast_to(self.mask, self.weights.shape)

    @property
    def blocked(self) -> np.ndarray | None:
        """Where the weights must be exactly 0 (None if the mask blocks nothing)."""
        allowed = self.allowed
        return None if allowed is None or allowed.all() else ~allowed

    @property
    def empty(self) -> np.ndarray | None:
        """(..., n_q) bool: the queries whose mask row allows no key (None without such rows)."""
        allowed = self.allowed
        if allowed is None:
            return None
        empty = ~allowed.any(axis=-1)
        return empty if empty.any() else None

    def softmax(self, scores: np.ndarray, allowed: Any = "mask", axis: int = -1) -> np.ndarray:
        """Softmax of ``scores`` with this case's mask (or ``allowed``, None for none)."""
        allowed = self.allowed if isinstance(allowed, str) else allowed
        with np.errstate(all="ignore"):
            return softmax(scores, axis) if allowed is None else masked_softmax(scores, allowed, axis)


# --------------------------------------------------------------------------- diagnoses

def _try(f: Callable[[], np.ndarray]) -> np.ndarray | None:
    """What a mistaken computation returns, or None where that mistake cannot even run."""
    try:
        with np.errstate(all="ignore"):
            return f()
    except (ValueError, IndexError):
        return None


def _nan_rows(w: np.ndarray, empty: np.ndarray | None) -> np.ndarray | None:
    """``w`` with the rows of queries that may attend to nothing turned into NaN, as 0/0 makes them
    (None unless ``w`` has zeros there, as the mistake it shows does when 0/0 is handled)."""
    if empty is None or w.shape[:-1] != empty.shape or (w[empty] != 0).any():
        return None
    return np.where(empty[..., None], np.nan, w)


def _underflowing_max(att: Attention) -> np.ndarray | None:
    """(..., n_q) bool: queries that may attend to keys but whose every allowed exponential
    underflows to 0 when the maximum subtracted is taken over all keys (blocked ones too) or over
    the whole array. None if no such query exists in this case."""
    allowed = att.allowed if att.allowed is not None else np.ones(att.weights.shape, bool)
    scaled = att.scaled
    best_allowed = np.where(allowed, scaled, -np.inf).max(axis=-1)
    gap_row = scaled.max(axis=-1) - best_allowed
    gap_all = scaled.max() - best_allowed
    rows = allowed.any(axis=-1) & (np.maximum(gap_row, gap_all) > 745)
    return rows if rows.any() else None


@np.errstate(all="ignore")
def weight_diagnoses(att: Attention, *, extra: Diagnoses = (),
                     scales: Sequence[tuple[float, str]] = ()) -> Diagnoses:
    """(wrong weights, message) for the mistakes made between Q, K, V and the weights.

    extra: this function's own mistakes (e.g. the queries and keys swapped), tried first.
    scales: more wrong divisors of the scores, e.g. ``(sqrt(d_model), message)`` where the
    function projects embeddings. Mistakes that give the right weights on this case are left out;
    each one that remains is also tried with NaN in the rows of queries with nothing to attend to
    (what it returns when 0/0 is not handled as well).
    """
    d_k, d_v, n_q, n_k = att.d_k, att.d_v, att.n_q, att.n_k
    raw, scaled, w = att.raw, att.scaled, att.weights
    found: Diagnoses = list(extra)
    if att.K.ndim > 2:
        kt = _try(lambda: att.Q @ att.K.T)
        if kt is not None and kt.shape == raw.shape:
            found.append((att.softmax(kt / np.sqrt(d_k)), KT_HINT))
    wrong_scales = [
        (1.0, "The weights are softmax(Q K^T) without the scaling: divide the scores by sqrt(d_k) "
              f"before the softmax, with d_k = {d_k} the size of each query and key (chapter 4 "
              "measures why)."),
        (float(d_k), f"The scores were divided by d_k = {d_k}; divide by its square root, sqrt(d_k)."),
        (np.sqrt(d_v), f"The scores were divided by sqrt(d_v), with d_v = {d_v} the size of the "
                       "values; the scale comes from the size of the queries and keys, d_k."),
        (np.sqrt(n_k), f"The scores were divided by the square root of the number of keys "
                       f"(n_k = {n_k}); the scale comes from the size of each query and key, d_k."),
        (np.sqrt(n_q), f"The scores were divided by the square root of the number of queries "
                       f"(n_q = {n_q}); the scale comes from the size of each query and key, d_k."),
        (1 / np.sqrt(d_k), "The scores were multiplied by sqrt(d_k); divide them by it instead."),
        *scales,
    ]
    for factor, message in wrong_scales:
        if not np.isclose(factor, np.sqrt(d_k)):
            found.append((att.softmax(raw / factor), message))
    if n_q > 1:
        found.append((att.softmax(scaled, axis=-2),
                      "The softmax ran over the queries (axis -2): each query's weights over the keys "
                      "must sum to 1, so normalise along the last axis, the keys."))
    if n_q == n_k > 1:
        def no_keepdims() -> np.ndarray:
            e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
            if att.allowed is not None:
                e = np.where(att.allowed, e, 0.0)
            return e / e.sum(axis=-1)          # numpy lines the sums up with the last axis
        found.append((_try(no_keepdims),
                      "Each row was divided by the wrong total: a sum over the keys without "
                      "keepdims=True has shape (..., n_q), and numpy lines it up with the LAST axis, "
                      "so weight (i, j) was divided by query j's total. Keep the summed axis "
                      "(keepdims=True) so that each query's row is divided by its own total."))
    underflow = _underflowing_max(att)
    if underflow is not None:
        may_die = underflow if att.empty is None else underflow | att.empty

        def dead_where_underflowing(a: np.ndarray) -> bool:
            """Right, except for all-zero (or NaN) rows where the wrong maximum underflows."""
            if a.shape != w.shape:
                return False
            dead = _dead_rows(a)
            return bool((dead <= may_die).all() and (dead & underflow).any()
                        and matches(np.where(dead[..., None], w, a), w, RTOL, _ATOL))

        found.append((
            dead_where_underflowing,
            "Some queries that may attend to keys got all-zero (or NaN) weights: every exponential in "
            "their row underflowed to 0. That happens when the number subtracted before np.exp lies "
            "far above the row's allowed scores: a maximum over the whole array, or over blocked keys "
            "too. Subtract each query's own largest allowed score (mask the scores before taking "
            "the maximum)."))
    blocked = att.blocked
    if blocked is not None:
        plain = att.softmax(scaled, None)
        found += [
            (plain, "The mask had no effect: keys where the mask is False must get weight exactly 0."),
            (att.softmax(scaled, ~att.allowed),
             "The mask is inverted: True means 'may attend', so the keys marked True should get "
             "the weight and those marked False none."),
            (plain * att.allowed,
             "The weights were masked after the softmax, so the allowed weights no longer sum to 1: "
             "leave the blocked keys out of the softmax itself (they must not take part in the "
             "normalisation)."),
            (att.softmax(scaled * att.allowed, None),
             "Blocked keys got a score of 0, which still earns them weight exp(0) in the softmax: "
             "a blocked key must end with weight exactly 0."),
        ]
        empty = att.empty
        if empty is not None:
            found.append((np.where(empty[..., None], 1.0 / n_k, w),
                          "A query whose mask row is all False got the same weight on every key, 1/n_k. "
                          "That is what a large negative fill value such as -1e9 (instead of -inf) "
                          "gives: the row becomes a softmax of equal scores. Such a query has nothing "
                          "to attend to, so its weights must all be 0 (and its output row 0): set "
                          "the rows with no allowed key to 0 yourself."))
    found.append((lambda a, e=w: proportional(a, e),
                  "The weights were not normalised: divide each query's exponentiated scores by their "
                  "sum over the keys, so that each row adds up to 1."))
    found.append((scaled, "These are the scaled scores before the softmax: turn them into weights."))
    return _with_nan_rows(found, w, att.empty)


def _dead_rows(a: np.ndarray) -> np.ndarray:
    """(..., n_q) bool: rows of ``a`` that are all 0 or NaN."""
    return ((a == 0) | np.isnan(a)).all(axis=-1)


def _with_nan_rows(found: Diagnoses, expected: np.ndarray, empty: np.ndarray | None) -> Diagnoses:
    kept = [(wrong, msg) for wrong, msg in found if wrong is not None
            and (callable(wrong) or not matches(wrong, expected, RTOL, _ATOL))]
    nan = [(_nan_rows(wrong, empty), msg) for wrong, msg in kept if isinstance(wrong, _ndarray)]
    return kept + [(wrong, msg) for wrong, msg in nan if wrong is not None]


@np.errstate(all="ignore")
def output_diagnoses(att: Attention, weights_wrong: Diagnoses, *, extra: Diagnoses = ()) -> Diagnoses:
    """(wrong output, message): the ``extra`` ones (e.g. what averaging the wrong rows gives for
    this function), the output averaging the keys or the scores, NaN rows for queries with nothing
    to attend to, and the output of each wrong weights in ``weights_wrong`` (wrong weights @ V)."""
    w, V = att.weights, att.V
    found: Diagnoses = list(extra)
    if att.K.shape == V.shape:
        found.append((w @ att.K, "The weights are right, but the output averages the keys: it should "
                                 "average the values, output = weights @ V."))
    if att.d_k != att.d_v:
        found.append((lambda a, shape=w.shape[:-1] + (att.d_k,): a.shape == shape,
                      f"The output has d_k = {att.d_k} columns, the size of a key or query: it should "
                      f"average the values, each of size d_v = {att.d_v}: output = weights @ V."))
    found.append((att.scaled @ V,
                  "The weights are right, but the output was computed from the scores: it is the "
                  "weights' average of the values, output = weights @ V."))
    if att.empty is not None:
        found.append((np.where(att.empty[..., None], np.nan, att.output),
                      "The weights are right, but the output has NaN in the rows of queries with nothing "
                      "to attend to: those output rows should be 0."))
    found += [(wrong @ V, msg) for wrong, msg in weights_wrong
              if isinstance(wrong, _ndarray) and wrong.shape == w.shape]
    return _with_nan_rows(found, att.output, None)


@dataclass
class ProjectionMistakes:
    """The mistakes of a function that projects embeddings to Q, K and V itself: ``weights`` and
    ``scales`` for :func:`weight_diagnoses` (``extra``, ``scales``), ``output`` for
    :func:`output_diagnoses` (``extra``)."""

    weights: Diagnoses
    scales: list[tuple[float, str]]
    output: Diagnoses


@np.errstate(all="ignore")
def projection_mistakes(att: Attention, X_q: np.ndarray, X_kv: np.ndarray, W_q: np.ndarray,
                        W_k: np.ndarray, W_v: np.ndarray, names: tuple[str, str] = ("X_q", "X_kv")
                        ) -> ProjectionMistakes:
    """Mistakes between the embeddings and Q, K, V, where ``att`` holds Q = X_q W_q, K = X_kv W_k and
    V = X_kv W_v. names: what the messages call X_q and X_kv (("X", "X") in self-attention)."""
    xq, xkv = names
    d_model, d_k = X_q.shape[-1], W_q.shape[-1]
    Q_k, K_q = X_q @ W_k, X_kv @ W_q
    sqrt_d_k = np.sqrt(d_k)
    itself = "itself" if xq == xkv else xkv
    weights: Diagnoses = [
        (att.softmax(Q_k @ np.swapaxes(K_q, -1, -2) / sqrt_d_k),
         f"The queries and keys are swapped: Q = {xq} W_q says what each token looks for and "
         f"K = {xkv} W_k what it offers, and the weights are softmax(Q K^T / sqrt(d_k))."),
        (att.softmax(Q_k @ np.swapaxes(att.K, -1, -2) / sqrt_d_k),
         f"The queries look projected with W_k: the queries are Q = {xq} W_q."),
        (att.softmax(att.Q @ np.swapaxes(K_q, -1, -2) / sqrt_d_k),
         f"The keys look projected with W_q: the keys are K = {xkv} W_k."),
        (att.softmax(X_q @ np.swapaxes(X_kv, -1, -2) / np.sqrt(d_model)),
         f"These are the weights of {xq} attending to {itself} without the projections: first "
         "compute Q, K and V with W_q, W_k and W_v."),
    ]
    scales = [(np.sqrt(d_model),
               f"The scores were divided by sqrt(d_model), with d_model = {d_model} the size of the "
               f"embeddings; the scale is the size of the queries and keys, d_k = {d_k}.")]
    embeddings = (f"The output averages the embeddings {xkv}: average the value vectors "
                  f"V = {xkv} W_v instead.")
    w, out_shape = att.weights, att.output.shape
    output: Diagnoses = [
        (w @ X_kv, embeddings),
        (lambda a, shape=w.shape[:-1] + (d_model,): a.shape == shape != out_shape, embeddings),
    ]
    if W_q.shape == W_v.shape:
        output.append((w @ K_q, f"The output averages {xkv} W_q, the queries' projection; it should "
                                f"average the values V = {xkv} W_v."))
    return ProjectionMistakes(weights, scales, output)


# --------------------------------------------------------------------------- hints for errors

def error_hint(att: Attention, message: str, shapes: str = "") -> str:
    """What to look at when the student's function raised ``message`` on this case. ``shapes``:
    a reminder of this function's shapes, added when nothing more specific applies."""
    hints = []
    if "truth value of an array" in message:
        hints.append("This comes from using an array where Python needs a single True or False, "
                     "typically `if mask:`, `if not mask:`, `if mask == None:` or `mask or ...`. "
                     "To ask whether a mask was given, test `if mask is not None:`.")
    if "required positional argument" in message and "'mask'" in message:
        hints.append("The tests also call the function without a mask: give the argument its "
                     "default value, mask=None.")
    scores_shape = att.weights.shape
    if att.mask is not None and att.mask.shape != scores_shape and any(
            s in message for s in ("boolean index", "too many indices", "index out of range",
                                   "tuple index")):
        hints.append(f"The mask has shape {att.mask.shape}, fewer or shorter axes than the scores "
                     f"{scores_shape}: it must be broadcast against them (as np.where does), not used "
                     "to index them.")
    if att.batch and any(s in message for s in ("matmul", "einstein", "aligned", "subscripts")):
        hints.append(f"This case has leading batch axes {att.batch}: every step must work on arrays "
                     f"(..., n, d). {KT_FIX} In einsum, write '...' for the leading axes.")
    if "could not be broadcast" in message:
        hints.append("If you divided by a sum (or subtracted a maximum) over the keys, keep the summed "
                     "axis (keepdims=True) so that it lines up with each query's row.")
    if not hints and shapes:
        hints.append(shapes)
    return " ".join(hints)


# --------------------------------------------------------------------------- the pair

def _is_array_like(x: Any) -> bool:
    torch = sys.modules.get("torch")
    return isinstance(x, (np.ndarray, list)) or (torch is not None and isinstance(x, torch.Tensor))


def _items(result: Any) -> list | None:
    """The items of a tuple or list, read without calling any method the student's class could
    override (a tuple subclass could otherwise compute its items when the grader reads them)."""
    kind = type(result)
    if issubclass(kind, tuple):
        return [tuple.__getitem__(result, i) for i in range(tuple.__len__(result))]
    if issubclass(kind, list):
        return [list.__getitem__(result, i) for i in range(list.__len__(result))]
    return None


def split_pair(result: Any, label: str, att: Attention, out_shape: tuple | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The student's ``(output, weights)`` as trusted arrays, or a message about the pair itself."""
    __tracebackhide__ = True
    expected_out = att.output
    out_shape = expected_out.shape if out_shape is None else out_shape
    w_shape = att.weights.shape
    items = _items(result)
    if items is not None and issubclass(type(result), list):
        if len(items) != 2 or not all(_is_array_like(i) for i in items):
            items = None                                  # a list of numbers: one array
        elif all(isinstance(i, list) for i in items):
            try:                                          # one array given as nested lists?
                whole = to_array(result, label).shape
            except FeedbackError:
                whole = None
            if whole in (out_shape, w_shape):
                items = None
    if items is None:
        if result is not None and not _is_array_like(result) and not isinstance(result, np.number):
            fail(f"{label} returned a {type(result).__name__}; return the pair (output, weights) as a "
                 "tuple, e.g. with `return output, weights`.")
        arr = to_array(result, label)
        if arr.shape == out_shape:
            fail(f"{label} returned one array, shaped like the output {out_shape}. Return two "
                 "things, as a tuple: (output, weights); the tests check both.")
        if arr.shape == w_shape:
            fail(f"{label} returned one array, shaped like the weights {w_shape}. Return two "
                 "things, as a tuple: (output, weights), output first.")
        fail(f"{label} returned one array of shape {arr.shape}; it should return a tuple "
             f"(output, weights) with shapes {out_shape} and {w_shape}.")
    if len(items) != 2:
        fail(f"{label} returned a tuple of {len(items)} items; return exactly two: (output, weights).")
    first = to_array(items[0], f"{label} (its 1st item, the output)")
    second = to_array(items[1], f"{label} (its 2nd item, the weights)")
    if first.shape == w_shape and second.shape == out_shape and (
            w_shape != out_shape or matches(first, att.weights, RTOL, _ATOL)):
        fail(f"{label} returned (weights, output), in that order: return the output first and "
             "the weights second, (output, weights).")
    return first, second


def check_array(arr: np.ndarray, expected: np.ndarray, label: str, diagnoses: Diagnoses, *,
                empty: np.ndarray | None, atol: float, shape_hint: str, finite_hint: str = "",
                empty_fix: str = EMPTY_FIX) -> None:
    """Grade one array of the pair: the known mistakes first (one may itself hold NaN), then NaN
    confined to the rows of queries with nothing to attend to (``empty``, (..., n_q) or None; the
    message ends with ``empty_fix``), then shape, finiteness and values."""
    __tracebackhide__ = True
    if matches(arr, expected, RTOL, atol):
        return
    for wrong, message in diagnoses:
        if wrong(arr) if callable(wrong) else matches(arr, wrong, RTOL, atol):
            fail(f"{label} returned a wrong result. {message}")
    if empty is not None and arr.shape == expected.shape:
        bad_rows = (~np.isfinite(arr)).any(axis=-1)
        if bad_rows.any() and not (bad_rows & ~empty).any():
            fail(f"{label} holds NaN in the rows of queries whose mask row is all False (no key may be "
                 "attended to). With every score of such a row at -inf, the softmax computes "
                 f"-inf - (-inf), or exp(-inf) / sum(exp(-inf)) = 0/0, and both are NaN. {empty_fix}")
    if arr.shape != expected.shape and arr.ndim and np.ndim(expected):
        try:
            broadcasts = np.broadcast_shapes(arr.shape, expected.shape) == expected.shape
        except ValueError:
            broadcasts = False
        if broadcasts:
            shape_hint = (f"{shape_hint} Shape {arr.shape} only broadcasts to {expected.shape}: every "
                          "axis of length 1 there should have its full length (for example one row "
                          "per query even where the mask has a single row).").strip()
    check_close(arr, expected, label, rtol=RTOL, atol=atol, shape_hint=shape_hint,
                finite_hint=finite_hint)


def _overflow_hint(att: Attention) -> str:
    raw = np.abs(att.raw).max(initial=0.0)
    if raw < 700:
        return ""
    return (f"The scores in this case are large (up to {np.abs(att.scaled).max():.3g} after the division "
            "by sqrt(d_k)), and np.exp overflows above about 709: subtract each query's largest score "
            "before exponentiating, which leaves the softmax unchanged.")


def grade_pair(
    fn: Callable,
    name: str,
    args: dict[str, Any],
    att: Attention,
    *,
    forbidden: dict[str, str],
    weight_diagnoses: Diagnoses,
    output_extra: Diagnoses = (),
    weights_hint: str,
    output_hint: str,
    shapes_hint: str = "",
    expected_output: np.ndarray | None = None,
    context: ContextManager | None = None,
) -> None:
    """Call ``fn`` with ``args`` (positional, by name for the messages) and, where ``att`` has a
    mask, ``mask`` after them, and grade the pair it returns against ``att``.

    weight_diagnoses: see :func:`weight_diagnoses`. output_extra: this function's own output
    mistakes, tried before those of :func:`output_diagnoses` (only these are tried when an
    ``expected_output`` other than weights @ V is given). weights_hint / output_hint: what the axes
    of each mean, for a wrong shape. shapes_hint: added to an error the function raised when no
    specific hint applies. context: entered around the call (e.g. to swap in trusted helpers).
    """
    __tracebackhide__ = True
    if expected_output is None:
        expected_out, out_diagnoses = att.output, output_diagnoses(att, weight_diagnoses, extra=output_extra)
    else:
        expected_out, out_diagnoses = expected_output, list(output_extra)
    if att.mask is not None:
        args = {**args, "mask": att.mask}
    label = f"{name}({', '.join(f'{k} of shape {np.shape(v)}' for k, v in args.items())})"
    try:
        with context if context is not None else nullcontext():
            result = call_student(fn, name, *args.values(), forbidden=forbidden, label=label)
    except FeedbackError as err:
        message = str(err)
        hint = error_hint(att, message, shapes_hint) if message.startswith("calling ") else ""
        if not hint:
            raise
        raise FeedbackError(f"{message}\n{hint}") from (err.__context__ or err)
    output, weights = split_pair(result, label, att, expected_out.shape)
    w_label = f"{label} (its 2nd item, the weights)"
    check_array(weights, att.weights, w_label, weight_diagnoses, empty=att.empty, atol=_ATOL,
           shape_hint=weights_hint, finite_hint=_overflow_hint(att))
    check_blocked_zero(weights, att.blocked, w_label)
    scale = float(np.abs(att.V).max(initial=1.0))
    check_array(output, expected_out, f"{label} (its 1st item, the output)", out_diagnoses,
           empty=att.empty, atol=_ATOL * max(scale, 1.0), shape_hint=output_hint,
           finite_hint=_overflow_hint(att))


def check_blocked_zero(weights: np.ndarray, blocked: np.ndarray | None, label: str) -> None:
    """Fail unless every weight where ``blocked`` is True is exactly 0 (not merely tiny)."""
    __tracebackhide__ = True
    if blocked is not None and (weights[blocked] != 0).any():
        worst = float(np.abs(weights[blocked]).max())
        fail(f"{label} gives blocked keys small but non-zero weights (up to {worst:.1e}); keys where "
             "the mask is False must get exactly 0. A finite fill value such as -30 or -100 still "
             "leaves exp(fill - max) above zero: make sure a blocked score cannot contribute anything.")


def grade_projected_pair(
    fn: Callable,
    name: str,
    args: dict[str, Any],
    X_q: np.ndarray,
    X_kv: np.ndarray,
    W: tuple[np.ndarray, np.ndarray, np.ndarray],
    mask: np.ndarray | None,
    *,
    names: tuple[str, str] = ("X_q", "X_kv"),
    extra: Diagnoses = (),
    **options: Any,
) -> None:
    """Grade a function that projects embeddings itself before attending (self-attention,
    cross-attention): Q = X_q W_q, K = X_kv W_k, V = X_kv W_v with ``W = (W_q, W_k, W_v)``.

    args: the function's arguments by name (the mask is added). names, see
    :func:`projection_mistakes`. extra: more weight mistakes of this function, tried after the
    projection mistakes. options: the rest of :func:`grade_pair`'s keyword arguments.
    """
    __tracebackhide__ = True
    W_q, W_k, W_v = W
    att = Attention(X_q @ W_q, X_kv @ W_k, X_kv @ W_v, mask)
    mistakes = projection_mistakes(att, X_q, X_kv, W_q, W_k, W_v, names)
    diagnoses = weight_diagnoses(att, extra=mistakes.weights + list(extra), scales=mistakes.scales)
    grade_pair(fn, name, args, att, weight_diagnoses=diagnoses, output_extra=mistakes.output, **options)


# --------------------------------------------------------------------------- masks

def check_bool_mask(result: Any, expected: np.ndarray, label: str,
                    diagnoses: Sequence[tuple[Any, str]] = (), shape_hint: str = "") -> None:
    """Grade a boolean mask: first its True/False pattern (compared as 0/1 floats, with
    ``diagnoses``: known wrong patterns or predicates; None, and patterns equal to ``expected``,
    are skipped),
    then that it is a numpy array of dtype bool."""
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=float)
    arr = to_array(result, label)
    kept = [(w if callable(w) else np.asarray(w, dtype=float), m) for w, m in diagnoses
            if w is not None and (callable(w) or not matches(np.asarray(w, dtype=float), expected))]
    check_close(arr, expected, label, shape_hint=shape_hint, diagnoses=kept)
    if not isinstance(result, np.ndarray):
        fail(f"{label} has the right True/False pattern but returned a {type(result).__name__}; "
             "return a numpy array of dtype bool.")
    if result.dtype != np.bool_:
        fail(f"{label} has the right pattern, but its dtype is {result.dtype}, not bool. A mask must be "
             "boolean (True = may attend): with 0/1 numbers, `~mask` gives -1 and -2 instead of "
             "flipping the mask, and `x[mask]` picks entries by index instead of selecting them. "
             "Build the mask from a comparison (which gives booleans) or convert it with .astype(bool).")
