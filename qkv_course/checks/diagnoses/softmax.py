"""Softmax mistakes: the wrong axis, a sum without keepdims, weights never normalised, a maximum
that underflows, exp overflowing. Weights are (..., n_q, n_k) unless stated."""

from __future__ import annotations

import numpy as np

from ..core import matches, proportional
from .case import ATOL, RTOL, Attention, Diagnoses, attempt

__all__ = ["SUBTRACT_MAX", "overflow_hint", "over_queries", "over_heads", "no_keepdims",
           "underflowing_max", "underflow", "unnormalised", "not_softmaxed"]

#: The fix for exp overflowing in attention.
SUBTRACT_MAX = ("subtract each query's largest score before exponentiating, which leaves the "
                "softmax unchanged.")


def _size(top: float) -> str:
    return f"{top:.0f}" if abs(top) >= 100 else f"{top:.3g}"


def overflow_hint(top: float | None, *, scaled_by: str | None = "sqrt(d_k)", float32: bool = False,
                  fix: str = SUBTRACT_MAX) -> str:
    """Why exp overflowed on this case's scores (largest ``top``, after the division by
    ``scaled_by``; None: not shown) and ``fix``. ``float32``: torch in float32, which overflows
    above about 88 (numpy's float64 above about 709)."""
    size = ("" if top is None else
            f" (up to {_size(top)}" + (f" after the division by {scaled_by})" if scaled_by else ")"))
    limit = "in float32 torch.exp overflows above about 88" if float32 else "np.exp overflows above about 709"
    return f"The scores in this case are large{size}, and {limit}: {fix}"


def over_queries(att: Attention) -> Diagnoses:
    """The softmax taken over the queries (axis -2) instead of the keys."""
    if att.n_q <= 1:
        return []
    return [(att.softmax(att.scaled, axis=-2),
             "The softmax ran over the queries (axis -2): each query's weights over the keys "
             "must sum to 1, so normalise along the last axis, the keys.")]


def over_heads(att: Attention) -> Diagnoses:
    """The softmax taken over the heads axis (-3) of (..., num_heads, n_q, n_k) weights."""
    return [(att.softmax(att.scaled, axis=-3),
             "The softmax ran over the heads axis (-3): each query's weights over the keys must "
             "sum to 1 in every head, so normalise along the last axis, the keys.")]


def no_keepdims(att: Attention) -> Diagnoses:
    """Each row divided by a sum over the keys taken without keepdims, which numpy silently lines
    up with the last axis where n_q == n_k."""
    if not att.n_q == att.n_k > 1:
        return []
    scaled, allowed = att.scaled, att.allowed

    def divide() -> np.ndarray:
        e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
        if allowed is not None:
            e = np.where(allowed, e, 0.0)
        return e / e.sum(axis=-1)          # numpy lines the sums up with the last axis

    return [(attempt(divide),
             "Each row was divided by the wrong total: a sum over the keys without "
             "keepdims=True has shape (..., n_q), and numpy lines it up with the LAST axis, "
             "so weight (i, j) was divided by query j's total. Keep the summed axis "
             "(keepdims=True) so that each query's row is divided by its own total.")]


def underflowing_max(att: Attention) -> np.ndarray | None:
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


def _dead_rows(a: np.ndarray) -> np.ndarray:
    """(..., n_q) bool: rows of ``a`` that are all 0 or NaN."""
    return ((a == 0) | np.isnan(a)).all(axis=-1)


def underflow(att: Attention) -> Diagnoses:
    """All-zero (or NaN) rows where the maximum subtracted lies far above the row's allowed
    scores (taken over the whole array, or over blocked keys too)."""
    rows = underflowing_max(att)
    if rows is None:
        return []
    w = att.weights
    may_die = rows if att.empty is None else rows | att.empty

    def dead_where_underflowing(a: np.ndarray) -> bool:
        """Right, except for all-zero (or NaN) rows where the wrong maximum underflows."""
        if a.shape != w.shape:
            return False
        dead = _dead_rows(a)
        return bool((dead <= may_die).all() and (dead & rows).any()
                    and matches(np.where(dead[..., None], w, a), w, RTOL, ATOL))

    return [(dead_where_underflowing,
             "Some queries that may attend to keys got all-zero (or NaN) weights: every exponential in "
             "their row underflowed to 0. That happens when the number subtracted before np.exp lies "
             "far above the row's allowed scores: a maximum over the whole array, or over blocked keys "
             "too. Subtract each query's own largest allowed score (mask the scores before taking "
             "the maximum).")]


def unnormalised(expected: np.ndarray) -> Diagnoses:
    """Every row (last axis) a positive multiple of the expected one: exponentiated scores never
    divided by their sum (or, for an output ``weights @ V``, that output scaled row by row)."""
    return [(lambda a, e=expected: proportional(a, e),
             "The weights were not normalised: divide each query's exponentiated scores by their "
             "sum over the keys, so that each row adds up to 1.")]


def not_softmaxed(scaled: np.ndarray) -> Diagnoses:
    """The scaled scores returned as the weights."""
    return [(scaled, "These are the scaled scores before the softmax: turn them into weights.")]
