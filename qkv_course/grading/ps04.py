"""Checks for assignment ps04, "Scaled dot-product attention".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``) and
raises :class:`~qkv_course.grading.core.FeedbackError` with a targeted message
on the first problem. Expected results come from :mod:`qkv_course.attention`,
computed before the student's code runs; the student's code may not call it.

Both graded functions return a pair ``(output, weights)``. The pair is checked
first (a tuple of two, in that order), then the weights (where almost every
mistake shows), then the output.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Iterator

import numpy as np

from .. import attention
from ..masks import causal_mask, key_padding_mask, padding_mask
from ..projections import init_projections, project_qkv
from ..softmax import masked_softmax, softmax
from .core import FeedbackError, call_student, check_close, fail, matches, proportional, to_array
from .tripwire import shortcuts

__all__ = ["check_scaled_dot_product_attention", "check_self_attention", "FORBIDDEN"]


def _reference(module: str, *names: str) -> dict[str, str]:
    return {f"qkv_course.{module}.{n}": f"qkv_course.{module}.{n}" for n in names}


_LIBRARY = shortcuts("torch.softmax", "scipy.special.softmax",
                     "torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention")

#: What each graded function may not call (internal name -> name shown to the student).
#: scaled_dot_product_attention must compute its own softmax. self_attention may use the
#: reference scaled_dot_product_attention (and so what that calls): the attention step is
#: graded in scaled_dot_product_attention, and a student should not lose the same points twice.
FORBIDDEN: dict[str, dict[str, str]] = {
    "scaled_dot_product_attention": {
        **_reference("attention", "attention_scores", "scaled_dot_product_attention",
                     "self_attention", "cross_attention"),
        **_reference("softmax", "softmax", "masked_softmax", "logsumexp"),
        **_LIBRARY,
    },
    "self_attention": {**_reference("attention", "self_attention", "cross_attention"), **_LIBRARY},
}

_KT_FIX = ("K.T reverses every axis; swap only the last two (n_k and d_k), so that each batch "
           "element's queries meet that element's keys.")
_KT_HINT = f"K has leading batch axes here: {_KT_FIX}"


@contextmanager
def _isolated(fn: Callable) -> Iterator[None]:
    """While ``fn`` (self_attention) is graded, a ``scaled_dot_product_attention`` it looks up
    in the student's notebook is the reference one (which FORBIDDEN allows for self_attention),
    so a mistake in the student's attention costs points once, not twice."""
    namespace = getattr(fn, "__globals__", None)
    name = "scaled_dot_product_attention"
    if not isinstance(namespace, dict) or not callable(namespace.get(name)):
        yield
        return
    saved = namespace[name]
    namespace[name] = attention.scaled_dot_product_attention
    try:
        yield
    finally:
        namespace[name] = saved


# --------------------------------------------------------------------------- shared checks

def _is_array(x: Any) -> bool:
    torch = sys.modules.get("torch")
    return isinstance(x, np.ndarray) or (torch is not None and isinstance(x, torch.Tensor))


def _split_pair(result: Any, label: str, out_shape: tuple, w_shape: tuple,
                expected_out: np.ndarray, expected_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The student's ``(output, weights)`` as trusted arrays, or a message about the pair."""
    __tracebackhide__ = True
    pair = isinstance(result, tuple) or (
        isinstance(result, list) and len(result) == 2 and all(_is_array(r) for r in result))
    if not pair:
        arr = to_array(result, label)
        if arr.shape == out_shape:
            fail(f"{label} returned one array, shaped like the output {out_shape}. Return two "
                 "things, as a tuple: (output, weights); the tests check both.")
        if arr.shape == w_shape:
            fail(f"{label} returned one array, shaped like the weights {w_shape}. Return two "
                 "things, as a tuple: (output, weights), output first.")
        fail(f"{label} returned one array of shape {arr.shape}; it should return a tuple "
             f"(output, weights) with shapes {out_shape} and {w_shape}.")
    if len(result) != 2:
        fail(f"{label} returned a tuple of {len(result)} items; return exactly two: (output, weights).")
    first = to_array(result[0], f"{label} (its 1st item, the output)")
    second = to_array(result[1], f"{label} (its 2nd item, the weights)")
    if first.shape == w_shape and second.shape == out_shape and (
            w_shape != out_shape or (matches(first, expected_w, 1e-5) and matches(second, expected_out, 1e-5))):
        fail(f"{label} returned (weights, output), in that order: return the output first and "
             "the weights second, (output, weights).")
    return first, second


def _empty_rows(mask: np.ndarray | None, w_shape: tuple) -> np.ndarray | None:
    """(..., n_q) bool: queries whose mask row allows no key (None without such rows)."""
    if mask is None:
        return None
    empty = ~np.broadcast_to(mask, w_shape).any(axis=-1)
    return empty if empty.any() else None


def _check_empty_rows(arr: np.ndarray, shape: tuple, empty: np.ndarray | None, name: str) -> None:
    """A precise message when the only NaN or inf are in rows of queries that may attend to nothing."""
    __tracebackhide__ = True
    if empty is None or arr.shape != shape:
        return
    bad_rows = (~np.isfinite(arr)).any(axis=-1)
    if bad_rows.any() and not (bad_rows & ~empty).any():
        fail(f"{name} holds NaN in the rows of queries whose mask row is all False (no key may be "
             "attended to). With every score of such a row at -inf, the softmax computes "
             "-inf - (-inf) or 0/0, which is NaN. A query with nothing to attend to should get "
             "all-zero weights, and so a zero output row: handle those rows on purpose.")


def _weight_diagnoses(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None,
                      expected_w: np.ndarray) -> list[tuple[Any, str]]:
    """(wrong weights, message) for the mistakes students make between Q, K and the weights."""
    d_k, n_q, n_k, d_v = Q.shape[-1], Q.shape[-2], K.shape[-2], V.shape[-1]

    def weights(scores: np.ndarray, m: np.ndarray | None = mask, axis: int = -1) -> np.ndarray:
        return softmax(scores, axis) if m is None else masked_softmax(scores, m, axis)

    raw = Q @ np.swapaxes(K, -1, -2)
    scaled = raw / np.sqrt(d_k)
    out: list[tuple[Any, str]] = []
    kt = _k_dot_t(Q, K)
    if kt is not None and kt.shape == raw.shape:
        out.append((weights(kt / np.sqrt(d_k)), _KT_HINT))
    wrong_scales = [
        (1.0, "The weights are softmax(Q K^T) without the scaling: divide the scores by "
              "sqrt(d_k) before the softmax (chapter 4 measures why)."),
        (float(d_k), f"The scores were divided by d_k = {d_k}; divide by its square root, sqrt(d_k)."),
        (np.sqrt(d_v), f"The scores were divided by sqrt(d_v), with d_v = {d_v} the size of the "
                       "values; the scale comes from the size of the queries and keys, d_k."),
        (np.sqrt(n_k), f"The scores were divided by the square root of the number of keys "
                       f"(n_k = {n_k}); the scale comes from the size of each query and key, d_k."),
        (np.sqrt(n_q), f"The scores were divided by the square root of the number of queries "
                       f"(n_q = {n_q}); the scale comes from the size of each query and key, d_k."),
        (1 / np.sqrt(d_k), "The scores were multiplied by sqrt(d_k); divide them by it instead."),
    ]
    for factor, message in wrong_scales:
        if not np.isclose(factor, np.sqrt(d_k)):
            out.append((weights(raw / factor), message))
    if n_q > 1:
        out.append((weights(scaled, axis=-2),
                    "The softmax ran over the queries (axis -2): each query's weights over the "
                    "keys must sum to 1, so normalise along the last axis."))
    if mask is not None and not np.broadcast_to(mask, raw.shape).all():
        out += [
            (softmax(scaled),
             "The mask had no effect: keys where the mask is False must get weight exactly 0."),
            (weights(scaled, ~mask),
             "The mask is inverted: True means 'may attend', so the keys marked True should get "
             "the weight and those marked False none."),
            (softmax(scaled) * mask,
             "The weights were masked after the softmax, so the allowed weights no longer sum to "
             "1: leave the blocked keys out of the softmax itself (they must not take part in "
             "the normalisation)."),
            (softmax(scaled * mask),
             "Blocked keys got a score of 0, which still earns them weight exp(0) in the softmax: "
             "a blocked key must end with weight exactly 0."),
        ]
        empty = _empty_rows(mask, raw.shape)
        if empty is not None:
            out.append((np.where(empty[..., None], 1.0 / n_k, expected_w),
                        "A query whose mask row is all False got the same weight on every key "
                        "(which is what a large negative score such as -1e9 gives). Such a query "
                        "has nothing to attend to: its weights should all be 0, and so its output row."))
    out.append((lambda a, e=expected_w: proportional(a, e),
                "The weights were not normalised: divide each query's exponentiated scores by "
                "their sum over the keys, so that each row adds up to 1."))
    out.append((scaled, "These are the scaled scores before the softmax: turn them into weights."))
    return out


def _k_dot_t(Q: np.ndarray, K: np.ndarray) -> np.ndarray | None:
    """``Q @ K.T`` when K has batch axes and numpy accepts it (the batch transpose mistake)."""
    if K.ndim < 3:
        return None
    try:
        return np.matmul(Q, K.T)
    except ValueError:
        return None


def _finite_hint(scaled: np.ndarray) -> str:
    if np.abs(scaled).max(initial=0.0) < 700:
        return ""
    return (f"These scaled scores are large (up to {np.abs(scaled).max():.3g}), and np.exp "
            "overflows above about 709: subtract each query's largest score before "
            "exponentiating, which leaves the softmax unchanged.")


def _grade_pair(fn: Callable, name: str, args: dict[str, Any], expected: tuple[np.ndarray, np.ndarray],
                *, forbidden: dict[str, str], diagnoses: list[tuple[Any, str]],
                out_diagnoses: list[tuple[Any, str]], mask: np.ndarray | None, finite_hint: str,
                out_hint: str, w_hint: str, batch_hint: bool,
                context: ContextManager | None = None) -> None:
    """Call ``fn`` with ``args`` (positional, named for messages) and grade its (output, weights)."""
    __tracebackhide__ = True
    expected_out, expected_w = expected
    label = f"{name}({', '.join(f'{k} of shape {np.shape(v)}' for k, v in args.items())})"
    try:
        with context if context is not None else nullcontext():
            result = call_student(fn, name, *args.values(), forbidden=forbidden, label=label)
    except FeedbackError as err:
        if batch_hint and str(err).startswith("calling "):
            err.args = (f"{err.args[0]}\nK has leading batch axes here; if you transposed it with "
                        f"K.T: {_KT_FIX}",)
        raise
    output, weights = _split_pair(result, label, expected_out.shape, expected_w.shape,
                                  expected_out, expected_w)
    empty = _empty_rows(mask, expected_w.shape)
    w_name = f"{label} (its 2nd item, the weights)"
    o_name = f"{label} (its 1st item, the output)"
    _check_empty_rows(weights, expected_w.shape, empty, w_name)
    check_close(weights, expected_w, w_name, rtol=1e-5, atol=1e-8, diagnoses=diagnoses,
                shape_hint=w_hint, finite_hint=finite_hint)
    _check_empty_rows(output, expected_out.shape, empty, o_name)
    check_close(output, expected_out, o_name, rtol=1e-5, atol=1e-8, diagnoses=out_diagnoses,
                shape_hint=out_hint, finite_hint=finite_hint)


# --------------------------------------------------------------------------- cases

@dataclass
class Case:
    """Arguments of one call; ``mask`` is None for an unmasked call."""

    arrays: tuple[np.ndarray, ...]
    mask: np.ndarray | None = None


def _example() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand-checkable: n_q=3 queries, n_k=5 keys, d_k=4 (sqrt 2), d_v=6, all different."""
    Q = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 0.0], [1.0, 1.0, -1.0, 1.0]])
    K = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0],
                  [0.0, 0.0, 0.0, 2.0], [-1.0, 1.0, 0.0, 1.0]])
    V = np.arange(30.0).reshape(5, 6) % 7
    return Q, K, V


def _example_mask() -> np.ndarray:
    """(3, 5): query 0 sees keys 0-2, query 1 sees nothing, query 2 all but key 3."""
    return np.array([[True, True, True, False, False], [False] * 5, [True, True, True, False, True]])


def _random(batch: tuple[int, ...], n_q: int, n_k: int, d_k: int, d_v: int, seed: int,
            scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (scale * rng.normal(size=batch + (n_q, d_k)), scale * rng.normal(size=batch + (n_k, d_k)),
            rng.normal(size=batch + (n_k, d_v)))


def _sdpa_cases(hidden: bool) -> list[Case]:
    Q, K, V = _example()
    if not hidden:
        Qb, Kb, Vb = _random((2,), n_q=3, n_k=5, d_k=4, d_v=6, seed=1)
        return [Case((Q, K, V)), Case((Q, K, V), _example_mask()), Case((Qb, Kb, Vb)),
                Case((1000 * Q, K, V))]
    some = np.random.default_rng(2).random((3, 6)) < 0.6
    some[1] = False
    some[0, 0] = some[2, 5] = True
    padding = key_padding_mask(padding_mask([5, 2], 5), heads=True)        # (2, 1, 1, 5)
    per_item = np.ones((2, 4, 4), dtype=bool)
    per_item[1] = False                                                     # batch item 1 sees nothing
    return [
        Case(_random((), n_q=4, n_k=7, d_k=5, d_v=3, seed=3)),
        Case(_random((3,), n_q=2, n_k=3, d_k=3, d_v=4, seed=4)),           # here Q @ K.T runs
        Case(_random((2,), n_q=3, n_k=6, d_k=4, d_v=5, seed=5), some),      # (n_q, n_k) mask
        Case(_random((2, 3), n_q=4, n_k=5, d_k=8, d_v=3, seed=6), padding),  # two batch axes
        Case(_random((2,), n_q=4, n_k=4, d_k=6, d_v=2, seed=7), causal_mask(4)),
        Case(_random((2,), n_q=4, n_k=4, d_k=3, d_v=5, seed=8), per_item),
        Case(_random((), n_q=5, n_k=3, d_k=2, d_v=4, seed=9), np.array([[True, False, True]])),
        Case(_random((3,), n_q=4, n_k=6, d_k=4, d_v=2, seed=10, scale=100.0)),  # scores ~ 1e4
        Case(_random((), n_q=1, n_k=1, d_k=1, d_v=1, seed=11)),
        Case(_random((2,), n_q=1, n_k=4, d_k=1, d_v=3, seed=12)),
    ]


def _self_cases(hidden: bool) -> list[Case]:
    """(X, W_q, W_k, W_v): n tokens, d_model=6, d_k=3, d_v=2 unless stated."""
    rng = np.random.default_rng(20 if hidden else 21)
    W = init_projections(6, 3, 2, seed=22 if hidden else 23)
    if not hidden:
        X = np.round(rng.normal(size=(4, 6)), 1)
        return [Case((X,) + W), Case((X,) + W, causal_mask(4))]
    W_wide = init_projections(5, 7, 4, seed=24)
    W_one = init_projections(3, 1, 2, seed=25)
    pad = key_padding_mask(padding_mask([5, 3], 5))                         # (2, 1, 5)
    return [
        Case((rng.normal(size=(2, 5, 6)),) + W),
        Case((rng.normal(size=(2, 3, 4, 6)),) + W, causal_mask(4)),
        Case((rng.normal(size=(2, 5, 5)),) + W_wide, pad),
        Case((3.0 * rng.normal(size=(1, 3)),) + W_one),
        Case((rng.normal(size=(3, 6, 3)),) + W_one, causal_mask(6)),
    ]


# --------------------------------------------------------------------------- scaled_dot_product_attention

_SDPA_OUT_HINT = ("The output has one row per query, as long as a value vector: "
                  "Q (..., n_q, d_k) and V (..., n_k, d_v) give (..., n_q, d_v).")
_SDPA_W_HINT = ("The weights have one row per query and one column per key: "
                "Q (..., n_q, d_k) and K (..., n_k, d_k) give (..., n_q, n_k).")


def check_scaled_dot_product_attention(scaled_dot_product_attention: Callable, hidden: bool = False) -> None:
    """Check ``scaled_dot_product_attention(Q, K, V, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    fn = scaled_dot_product_attention
    for case in _sdpa_cases(hidden):
        Q, K, V = case.arrays
        expected = attention.scaled_dot_product_attention(Q, K, V, case.mask)
        diagnoses = _weight_diagnoses(Q, K, V, case.mask, expected[1])
        out_diagnoses = [(w @ V, m) for w, m in diagnoses if isinstance(w, np.ndarray)
                         and w.shape == expected[1].shape]
        args = {"Q": Q, "K": K, "V": V}
        if case.mask is not None:
            args["mask"] = case.mask
        _grade_pair(fn, "scaled_dot_product_attention", args, expected,
                    forbidden=FORBIDDEN["scaled_dot_product_attention"], diagnoses=diagnoses,
                    out_diagnoses=out_diagnoses, mask=case.mask,
                    finite_hint=_finite_hint(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])),
                    out_hint=_SDPA_OUT_HINT, w_hint=_SDPA_W_HINT, batch_hint=K.ndim > 2)


# --------------------------------------------------------------------------- self_attention

def check_self_attention(self_attention: Callable, hidden: bool = False) -> None:
    """Check ``self_attention(X, W_q, W_k, W_v, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    for case in _self_cases(hidden):
        X, W_q, W_k, W_v = case.arrays
        mask = case.mask
        expected = attention.self_attention(X, W_q, W_k, W_v, mask)
        Q, K, V = project_qkv(X, W_q, W_k, W_v)
        d_model, d_k = X.shape[-1], W_q.shape[1]
        sdpa = attention.scaled_dot_product_attention

        def weights(scores: np.ndarray) -> np.ndarray:
            return softmax(scores) if mask is None else masked_softmax(scores, mask)

        swapped = sdpa(K, Q, V, mask)
        unprojected = sdpa(X, X, X, mask)
        diagnoses: list[tuple[Any, str]] = [
            (swapped[1], "The queries and keys are swapped: Q = X W_q says what each token looks "
                         "for and K = X W_k what it offers, and the weights are softmax(Q K^T / sqrt(d_k))."),
            (unprojected[1], "These are the weights of X attending to itself without the "
                             "projections: first compute Q, K and V from X with W_q, W_k and W_v."),
            (weights(Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_model)),
             f"The scores were divided by sqrt(d_model), with d_model = {d_model} the size of the "
             f"embeddings; the scale is the size of the queries and keys, d_k = {d_k}."),
        ]
        diagnoses += _weight_diagnoses(Q, K, V, mask, expected[1])
        out_diagnoses: list[tuple[Any, str]] = [
            (lambda a, shape=X.shape: a.shape == shape and X.shape != expected[0].shape,
             "The output has d_model columns: it averages the embeddings X; average the value "
             "vectors V = X W_v instead."),
        ]
        if W_q.shape == W_v.shape:
            out_diagnoses.append((expected[1] @ (X @ W_q), "The output averages the queries; it should "
                                  "average the values V = X W_v."))
        args = {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v}
        if mask is not None:
            args["mask"] = mask
        _grade_pair(self_attention, "self_attention", args, expected,
                    forbidden=FORBIDDEN["self_attention"], diagnoses=diagnoses,
                    out_diagnoses=out_diagnoses, mask=mask, finite_hint="",
                    out_hint="The output has one row per token, as long as a value vector: "
                             "X (..., n, d_model) and W_v (d_model, d_v) give (..., n, d_v).",
                    w_hint="The weights have one row and one column per token: "
                           "X (..., n, d_model) gives (..., n, n).",
                    batch_hint=X.ndim > 2, context=_isolated(self_attention))
