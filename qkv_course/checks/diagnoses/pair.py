"""Grading a function that returns attention's pair ``(output, weights)``.

Scaled dot-product attention and self-attention (ps04), cross-attention (ps05) and multi-head
attention (ps06) all return ``(output (..., n_q, d_v), weights (..., n_q, n_k))``; chunked
attention (ps10) returns the output alone. This module assembles, for one
:class:`~.case.Attention`, the diagnoses of the concept modules (:mod:`.softmax`, :mod:`.masks`,
:mod:`.scaling`, :mod:`.shapes`, :mod:`.errors`) and grades such a pair:

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
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Sequence

import numpy as np

from ..core import FeedbackError, Raised, call_student, check_close, fail, matches, to_array
from . import errors, masks, scaling, shapes, softmax
from .case import ATOL, RTOL, Attention, Diagnoses, attempt

__all__ = [
    "ProjectionMistakes",
    "projection_mistakes",
    "weight_diagnoses",
    "output_diagnoses",
    "raised_hints",
    "split_pair",
    "check_array",
    "grade_pair",
    "grade_projected_pair",
]


@np.errstate(all="ignore")
def weight_diagnoses(att: Attention, *, extra: Diagnoses = (),
                     scales: Sequence[tuple[float, str]] = (), inverted_note: str = "") -> Diagnoses:
    """(wrong weights, message) for the mistakes made between Q, K, V and the weights.

    extra: this function's own mistakes (e.g. the queries and keys swapped), tried first.
    scales: more wrong divisors of the scores, e.g. ``(sqrt(d_model), message)`` where the
    function projects embeddings. inverted_note: see :func:`.masks.attention_mistakes`. Mistakes
    that give the right weights on this case are left out; each one that remains is also tried
    with NaN in the rows of queries with nothing to attend to (what it returns when 0/0 is not
    handled as well).
    """
    found: Diagnoses = list(extra)
    if att.K.ndim > 2:
        kt = attempt(lambda: att.Q @ att.K.T)
        if kt is not None and kt.shape == att.raw.shape:
            found.append((att.softmax(kt / np.sqrt(att.d_k)), shapes.KT_HINT))
    found += scaling.wrong_scales(att, scales)
    found += softmax.over_queries(att) + softmax.no_keepdims(att) + softmax.underflow(att)
    found += masks.attention_mistakes(att, inverted_note=inverted_note)
    found += softmax.unnormalised(att.weights) + softmax.not_softmaxed(att.scaled)
    return masks.with_nan_rows(found, att.weights, att.empty)


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
    found += masks.output_nan_rows(att)
    found += [(wrong @ V, msg) for wrong, msg in weights_wrong
              if isinstance(wrong, np.ndarray) and wrong.shape == w.shape]
    return masks.with_nan_rows(found, att.output, None)


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
    scales = [(np.sqrt(d_model), scaling.by_sqrt_d_model(d_model, d_k))]
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


def raised_hints(att: Attention, raised: Raised | None, shapes_hint: str = "") -> str:
    """What to look at when the student's attention function raised ``raised`` on this case
    (:mod:`.errors`). ``shapes_hint``: a reminder of this function's shapes, given when nothing
    more specific applies."""
    mask_shape = None if att.mask is None else att.mask.shape
    hints = [errors.mask_truth_value(raised), errors.mask_default(raised),
             errors.mask_as_index(raised, mask_shape, att.weights.shape),
             errors.batch_matmul(raised, att.batch),
             errors.keepdims(raised, att.weights.shape)]
    found = [h for h in hints if h]
    if not found and raised is not None:
        found = [shapes_hint]
    return " ".join(h for h in found if h)


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
            w_shape != out_shape or matches(first, att.weights, RTOL, ATOL)):
        fail(shapes.swapped_pair(label))
    return first, second


def check_array(arr: np.ndarray, expected: np.ndarray, label: str, diagnoses: Diagnoses, *,
                empty: np.ndarray | None, atol: float, shape_hint: str, finite_hint: str = "",
                empty_fix: str = "") -> None:
    """Grade one array of the pair: the known mistakes first (one may itself hold NaN), then NaN
    confined to the rows of queries with nothing to attend to (``empty``, (..., n_q) or None; the
    message ends with ``empty_fix``, by default :func:`.masks.empty_fix`), then shape,
    finiteness and values."""
    __tracebackhide__ = True
    if matches(arr, expected, RTOL, atol):
        return
    for wrong, message in diagnoses:
        if wrong(arr) if callable(wrong) else matches(arr, wrong, RTOL, atol):
            fail(f"{label} returned a wrong result. {message}")
    if empty is not None and arr.shape == expected.shape:
        bad_rows = (~np.isfinite(arr)).any(axis=-1)
        if bad_rows.any() and not (bad_rows & ~empty).any():
            fail(f"{label} holds "
                 + masks.empty_rows_nan(masks.ZERO_OVER_ZERO, empty_fix or masks.empty_fix()))
    if arr.ndim and np.ndim(expected):
        shape_hint = f"{shape_hint} {shapes.only_broadcasts(arr.shape, expected.shape)}".strip()
    check_close(arr, expected, label, rtol=RTOL, atol=atol, shape_hint=shape_hint,
                finite_hint=finite_hint)


def _overflow_hint(att: Attention) -> str:
    if np.abs(att.raw).max(initial=0.0) < 700:
        return ""
    return softmax.overflow_hint(float(np.abs(att.scaled).max()))


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
        errors.add_hints(err, raised_hints(att, err.raised, shapes_hint))
    output, weights = split_pair(result, label, att, expected_out.shape)
    w_label = f"{label} (its 2nd item, the weights)"
    check_array(weights, att.weights, w_label, weight_diagnoses, empty=att.empty, atol=ATOL,
                shape_hint=weights_hint, finite_hint=_overflow_hint(att))
    masks.check_blocked_zero(weights, att.blocked, w_label)
    scale = float(np.abs(att.V).max(initial=1.0))
    check_array(output, expected_out, f"{label} (its 1st item, the output)", out_diagnoses,
                empty=att.empty, atol=ATOL * max(scale, 1.0), shape_hint=output_hint,
                finite_hint=_overflow_hint(att))


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
