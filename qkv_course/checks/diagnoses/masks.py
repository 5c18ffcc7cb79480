"""Mask mistakes. Masks are boolean, True = may attend, broadcastable to the scores
(..., n_q, n_k).

* in attention weights: the mask ignored, inverted, applied after the softmax, blocked scores set
  to 0, a finite fill (-1e9) for a query with nothing to attend to, blocked keys with tiny but
  non-zero weights;
* NaN in the rows of queries with nothing to attend to (0/0), alone or on top of another mistake;
* the heads axis a per-sentence mask needs in multi-head attention;
* mask builders: True and False swapped, a mask that is not boolean.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..core import check_close, fail, matches, to_array
from .case import RTOL, ATOL, Attention, Diagnoses

__all__ = ["attention_mistakes", "output_nan_rows", "empty_fix", "empty_rows_nan", "with_nan_rows",
           "nan_tolerant", "check_blocked_zero", "HEADS_AXIS_FIX", "heads_axis", "swapped",
           "check_bool_mask"]


def attention_mistakes(att: Attention, *, inverted_note: str = "") -> Diagnoses:
    """(wrong weights, message) for the mask mistakes of attention on this case (none where the
    mask blocks nothing). ``inverted_note``: added to the inverted mask's message (e.g. where a
    library's convention is the opposite)."""
    blocked = att.blocked
    if blocked is None:
        return []
    scaled, allowed = att.scaled, att.allowed
    plain = att.softmax(scaled, None)
    found: Diagnoses = [
        (plain, "The mask had no effect: keys where the mask is False must get weight exactly 0."),
        (att.softmax(scaled, ~allowed),
         "The mask is inverted: True means 'may attend', so the keys marked True should get "
         "the weight and those marked False none." + inverted_note),
        (plain * allowed,
         "The weights were masked after the softmax, so the allowed weights no longer sum to 1: "
         "leave the blocked keys out of the softmax itself (they must not take part in the "
         "normalisation)."),
        (att.softmax(scaled * allowed, None),
         "Blocked keys got a score of 0, which still earns them weight exp(0) in the softmax: "
         "a blocked key must end with weight exactly 0."),
    ]
    empty = att.empty
    if empty is not None:
        found.append((np.where(empty[..., None], 1.0 / att.n_k, att.weights),
                      "A query whose mask row is all False got the same weight on every key, 1/n_k. "
                      "That is what a large negative fill value such as -1e9 (instead of -inf) "
                      "gives: the row becomes a softmax of equal scores. Such a query has nothing "
                      "to attend to, so its weights must all be 0 (and its output row 0): set "
                      "the rows with no allowed key to 0 yourself."))
    return found


def output_nan_rows(att: Attention) -> Diagnoses:
    """The right weights, but NaN in the output rows of queries with nothing to attend to."""
    if att.empty is None:
        return []
    return [(np.where(att.empty[..., None], np.nan, att.output),
             "The weights are right, but the output has NaN in the rows of queries with nothing "
             "to attend to: those output rows should be 0.")]


def empty_fix(heads: bool = False) -> str:
    """What a query with nothing to attend to should get (``heads``: in multi-head attention)."""
    where, row = (" in every head", "row before W_o") if heads else ("", "output row")
    return (f"A query with nothing to attend to should get all-zero weights{where}, and so a zero "
            f"{row}: handle those rows on purpose.")


def empty_rows_nan(why: str, fix: str) -> str:
    """"NaN in the rows of queries whose mask row is all False" followed by ``why`` (its cause,
    starting with its punctuation) and ``fix``."""
    return f"NaN in the rows of queries whose mask row is all False{why} {fix}"


#: Why a softmax over a row with no allowed key gives NaN.
ZERO_OVER_ZERO = (" (no key may be attended to). With every score of such a row at -inf, the softmax "
                  "computes -inf - (-inf), or exp(-inf) / sum(exp(-inf)) = 0/0, and both are NaN.")


def _nan_rows(w: np.ndarray, empty: np.ndarray | None) -> np.ndarray | None:
    """``w`` with the rows of queries that may attend to nothing turned into NaN, as 0/0 makes them
    (None unless ``w`` has zeros there, as the mistake it shows does when 0/0 is handled)."""
    if empty is None or w.shape[:-1] != empty.shape or (w[empty] != 0).any():
        return None
    return np.where(empty[..., None], np.nan, w)


def with_nan_rows(found: Diagnoses, expected: np.ndarray, empty: np.ndarray | None) -> Diagnoses:
    """``found`` without the mistakes that give ``expected`` on this case, followed by each array
    mistake again with NaN in the rows of ``empty`` queries (..., n_q) (what it gives when 0/0 is
    not handled as well)."""
    kept = [(wrong, msg) for wrong, msg in found if wrong is not None
            and (callable(wrong) or not matches(wrong, expected, RTOL, ATOL))]
    nan = [(_nan_rows(wrong, empty), msg) for wrong, msg in kept if isinstance(wrong, np.ndarray)]
    return kept + [(wrong, msg) for wrong, msg in nan if wrong is not None]


def _or_nan_rows(wrong: np.ndarray, atol: float) -> Callable[[np.ndarray], bool]:
    """A predicate: the student's array equals ``wrong`` except for NaN in rows where ``wrong`` is all
    zero (what the same mistake gives when a row with no allowed key is not handled: 0/0)."""
    dead = (wrong == 0).all(axis=-1)

    def hit(a: np.ndarray) -> bool:
        if a.shape != wrong.shape:
            return False
        bad = ~np.isfinite(a).all(axis=-1)
        if not bad.any() or (bad & ~dead).any():
            return False
        return matches(np.where(bad[..., None], 0.0, a), wrong, RTOL, atol)
    return hit


def nan_tolerant(diagnoses: Diagnoses, atol: float) -> Diagnoses:
    """``diagnoses`` followed by each array mistake again, allowing NaN in any of its all-zero
    rows (where the rows with nothing to attend to are not known in advance)."""
    extra = [(_or_nan_rows(w, atol), m) for w, m in diagnoses
             if isinstance(w, np.ndarray) and w.ndim >= 1 and (w == 0).all(axis=-1).any()]
    return list(diagnoses) + extra


def check_blocked_zero(weights: np.ndarray, blocked: np.ndarray | None, label: str, *,
                       what: str = "blocked keys", rule: str = "keys where the mask is False",
                       one: str = "a blocked score") -> None:
    """Fail unless every weight where ``blocked`` is True is exactly 0 (not merely tiny). what,
    rule, one: how the exercise names the blocked entries, the rule, and one blocked score."""
    __tracebackhide__ = True
    if blocked is not None and (weights[blocked] != 0).any():
        worst = float(np.abs(weights[blocked]).max())
        fail(f"{label} gives {what} small but non-zero weights (up to {worst:.1e}); {rule} "
             "must get exactly 0. A finite fill value such as -30 or -100 still leaves "
             f"exp(fill - max) above zero: make sure {one} cannot contribute anything.")


#: How a per-sentence mask gets its heads axis.
HEADS_AXIS_FIX = "Give the mask an axis of length 1 for the heads, just before its last two axes"


def heads_axis(mask_shape: tuple[int, ...], weights_shape: tuple[int, ...]) -> str:
    """A per-sentence mask (..., n, n) applied to (..., num_heads, n, n) scores without an axis for
    the heads: broadcasting lined its batch axis up with the heads axis."""
    return (f"The mask of shape {mask_shape} (one pattern per sentence) was applied to "
            f"the scores {weights_shape} = (..., num_heads, n, n) without an axis for "
            "the heads, so broadcasting lined its batch axis up with the heads axis: head h "
            f"followed sentence h's mask. {HEADS_AXIS_FIX}, so that every head of a sentence uses "
            "that sentence's mask (chapter 5's key_padding_mask(pad, heads=True) does this for "
            "padding).")


def swapped(marks: str, allowed: str = "") -> str:
    """A mask builder whose True and False are swapped: it ``marks`` what should be blocked;
    ``allowed``: what True should mark instead (starting with its punctuation)."""
    return (f"True and False are swapped: it marks {marks}. In this course a mask says where a "
            f"query MAY attend (True = allowed){allowed}.")


def check_bool_mask(result: Any, expected: np.ndarray, label: str,
                    diagnoses: Sequence[tuple[Any, str]] = (), shape_hint: str = "") -> None:
    """Grade a boolean mask: first its True/False pattern (compared as 0/1 floats, with
    ``diagnoses``: known wrong patterns or predicates; None, and patterns equal to ``expected``,
    are skipped), then that it is a numpy array of dtype bool."""
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
