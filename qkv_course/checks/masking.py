"""Checks for assignment ps05, "Masking and cross-attention".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``) and
raises :class:`~qkv_course.checks.core.FeedbackError` with a targeted message
on the first problem. The hidden cases live in :mod:`qkv_grader.hidden.masking`
(instructor side only, not in the package students install), loaded only when
``hidden=True``. Expected results come from :mod:`qkv_course.masking` and
:mod:`qkv_course.attention`, computed before the student's code runs; the
student's code may not call them. cross_attention's pair ``(output, weights)``
is graded by :mod:`.diagnoses.pair`, like ps04's attention functions.

Masks are boolean, True = may attend. A mask with the right True/False pattern
but another dtype (0/1 integers or floats) gets its own message: the values are
right, the type is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import masking
from ..attention import cross_attention as _cross_reference
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, FeedbackError, LIBRARY_ATTENTION, LIBRARY_SOFTMAX,
                   call_student, hidden_cases, matches, reference)
from .diagnoses import errors
from .diagnoses.case import Diagnoses
from .diagnoses.masks import check_bool_mask, swapped
from .diagnoses.pair import grade_projected_pair
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_causal_mask", "check_padding_mask", "check_cross_attention", "FORBIDDEN"]


_MASKS = reference("masking", "causal_mask", "padding_mask", "key_padding_mask", "combine_masks")

#: What each graded function may not call (internal name -> name shown to the student).
#: cross_attention may use qkv_course.projections.project_qkv (problem set 3's building block)
#: and the course's masks (it receives its mask ready-made anyway).
FORBIDDEN: dict[str, dict[str, str]] = {
    "causal_mask": dict(_MASKS),
    "padding_mask": dict(_MASKS),
    "cross_attention": {**COURSE_ATTENTION, **COURSE_SOFTMAX, **LIBRARY_SOFTMAX, **LIBRARY_ATTENTION},
}


# --------------------------------------------------------------------------- causal_mask

def _causal_cases(hidden: bool) -> list[int]:
    return hidden_cases("masking").causal_cases() if hidden else [4, 1]


@guarded
def check_causal_mask(causal_mask: Callable, hidden: bool = False) -> None:
    """Check ``causal_mask(n)`` -> (n, n) bool, True where key position j <= query position i."""
    __tracebackhide__ = True
    for n in _causal_cases(hidden):
        expected = masking.causal_mask(n).astype(float)
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
            (1 - expected, swapped("the future positions, the ones to block")),
            (np.ones((n, n)),
             "Every entry is True, which is no mask at all (bidirectional attention): query i must not "
             "see keys after position i."),
            (eye,
             "Only the diagonal is True: each query would see only itself. A causal query sees every "
             "earlier position as well."),
        ]
        returned = call_student(causal_mask, "causal_mask", n, forbidden=FORBIDDEN["causal_mask"],
                                label=label)
        check_bool_mask(returned, expected, label, diagnoses[1:] if n == 1 else diagnoses,
                        shape_hint="A causal mask has one row per query position and one column per "
                                   "key position: shape (n, n).")


# --------------------------------------------------------------------------- padding_mask

@dataclass
class _Lengths:
    lengths: Any          # what the student receives: a list, tuple or numpy array
    max_len: int


def _padding_cases(hidden: bool) -> list[_Lengths]:
    if hidden:
        return hidden_cases("masking").padding_cases()
    return [_Lengths([2, 4, 3], 4), _Lengths(np.array([1, 3]), 5)]


@guarded
def check_padding_mask(padding_mask: Callable, hidden: bool = False) -> None:
    """Check ``padding_mask(lengths, max_len)`` -> (batch, max_len) bool, True at real positions."""
    __tracebackhide__ = True
    for case in _padding_cases(hidden):
        lengths = np.asarray(case.lengths)
        M = case.max_len
        expected = masking.padding_mask(lengths, M).astype(float)
        pos = np.arange(M)
        label = f"padding_mask(lengths={case.lengths!r}, max_len={M})"
        full = lengths == M
        sliced = expected * ~full[:, None]
        transposed = ("Its rows are positions and its columns are sequences: return one row per "
                      "sequence, shape (batch, max_len).")
        diagnoses = [
            (1 - expected, swapped("the padding", ": True marks the real tokens and False the padding")),
            ((pos <= lengths[:, None]).astype(float)[:, :M] if (lengths < M).any() else None,
             "Each sequence has one True too many. A sequence of length L has real tokens at positions "
             "0 .. L-1 (counting from 0), so position L is already padding."),
            ((pos < lengths[:, None] - 1).astype(float) if (lengths > 0).any() else None,
             "Each sequence has one True too few: a sequence of length L has L real tokens, at "
             "positions 0 .. L-1."),
            (lambda a, e=expected: a.shape == e.shape[::-1] and a.shape != e.shape
             and matches(a, e.T), transposed),
            (expected.T if expected.shape[0] == M and not matches(expected.T, expected) else None,
             transposed),
            (expected[:, ::-1] if not matches(expected[:, ::-1], expected) else None,
             "The True entries are at the end of each row (left padding). In this course the real "
             "tokens come first and the padding is added at the end."),
            (lambda a, width=int(lengths.max(initial=0)): width < M and a.shape == (len(lengths), width),
             "It has max(lengths) columns. Every row must be max_len long: the batch is padded up to "
             "max_len, even when no sequence in it is that long."),
            (sliced if full.any() else None,
             "A sequence with no padding at all (length == max_len) came out all False. Watch out for "
             "slices with a negative bound such as [:-k] or [-k:]: when k is 0, -0 is 0, and the "
             "slice covers nothing (or everything)."),
        ]
        try:
            returned = call_student(padding_mask, "padding_mask", case.lengths, M,
                                    forbidden=FORBIDDEN["padding_mask"], label=label)
        except FeedbackError as exc:
            errors.add_hints(exc, errors.plain_sequence(exc.raised, case.lengths, "lengths"), new_line=False)
        check_bool_mask(returned, expected, label, diagnoses,
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
    if hidden:
        return hidden_cases("masking").cross_cases()
    X_q, X_kv, W = _small_example()
    some = np.array([[True, False], [True, True], [False, False]])
    pad = masking.key_padding_mask(masking.padding_mask([4, 2], 4))          # (2, 1, 4)
    return [_Cross(X_q, X_kv, W), _Cross(X_q, X_kv, W, some),
            _random_case((2,), 3, 4, 2, 2, 3, seed=1, mask=pad)]


_CROSS_SHAPES = ("Check the shapes: Q = X_q @ W_q is (..., n_q, d_k); K = X_kv @ W_k is (..., n_kv, d_k) "
                 "and V = X_kv @ W_v is (..., n_kv, d_v); the weights are (..., n_q, n_kv).")


@guarded
def check_cross_attention(cross_attention: Callable, hidden: bool = False) -> None:
    """Check ``cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None)`` -> (output, weights):
    output (..., n_q, d_v), weights (..., n_q, n_kv)."""
    __tracebackhide__ = True
    for case in _cross_cases(hidden):
        n_q, n_kv, batch = case.X_q.shape[-2], case.X_kv.shape[-2], case.X_q.shape[:-2]
        sequences: Diagnoses = [
            (lambda a: n_q != n_kv and a.shape == batch + (n_kv, n_q),
             "They have one row per X_kv token and one column per X_q token. The weights need one row "
             "per query and one column per key: queries come from X_q (the sequence that asks), keys "
             "and values from X_kv (the sequence it reads from), and the scores are Q times K "
             "transposed."),
            (lambda a: n_q != n_kv and a.shape == batch + (n_q, n_q),
             "They are square, (n_q, n_q), as in self-attention: the keys (and values) must come from "
             "X_kv, the other sequence, not from X_q."),
        ]
        args = {"X_q": case.X_q, "X_kv": case.X_kv, "W_q": case.W[0], "W_k": case.W[1], "W_v": case.W[2]}
        grade_projected_pair(cross_attention, "cross_attention", args, case.X_q, case.X_kv, case.W, case.mask,
                             extra=sequences, forbidden=FORBIDDEN["cross_attention"],
                             weights_hint="The weights have one row per query (from X_q) and one column "
                                          "per key (from X_kv): shape (..., n_q, n_kv).",
                             output_hint="The output has one row per query and d_v columns (the columns of "
                                         "W_v): shape (..., n_q, d_v).",
                             shapes_hint=_CROSS_SHAPES)


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'causal_mask': check_causal_mask,
    'padding_mask': check_padding_mask,
    'cross_attention': check_cross_attention,
}
#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'causal_mask': masking.causal_mask,
    'padding_mask': masking.padding_mask,
    'cross_attention': _cross_reference,
}


# --------------------------------------------------------------------------- questions
# What the student predicts about masks; the keys are the grader's
# (qkv_grader.hidden.masking.KEYS), see .questions.

QUESTIONS = question_checks(
    "masking",
    Question("heads_and_padding", (
        Part("mask_shape", "shape", "the shape of the combined mask"),
        Part("weights_shape", "shape", "the shape of the attention weights"),
        Part("zeros", "int", "how many of all the weights are exactly 0, right padding", low=0, high=300),
        Part("empty_rows", "int", "how many rows of the weights have no allowed key, left padding",
             low=0, high=60))),
    Question("wrong_axis", (
        Part("row_0", "numbers", "the 3 weights of the second sentence's query 0 with the buggy mask",
             length=3),
        Part("zero_rows", "int", "how many of the second sentence's 3 rows of weights are all 0",
             low=0, high=3),
        Part("first_changed", "bool", "whether the bug changes any weight of the first sentence"))),
    Question("translation_shapes", (
        Part("weights_shape", "shape", "the shape of the cross-attention weights"),
        Part("output_shape", "shape", "the shape of the cross-attention output"),
        Part("needs_causal", "bool", "whether this cross-attention needs a causal mask"),
        Part("weight", "number", "the weight target token 1 of sentence 1 puts on source token 0"))),
)
check_heads_and_padding = QUESTIONS["heads_and_padding"]
check_wrong_axis = QUESTIONS["wrong_axis"]
check_translation_shapes = QUESTIONS["translation_shapes"]
__all__ += ["QUESTIONS", "check_heads_and_padding", "check_wrong_axis", "check_translation_shapes"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
