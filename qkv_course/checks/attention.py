"""Checks for assignment ps04, "Scaled dot-product attention".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.attention`, on the instructor's side only) and
raises :class:`~qkv_course.checks.core.FeedbackError` with a targeted message
on the first problem. Expected results come from :mod:`qkv_course.attention`,
computed before the student's code runs; the student's code may not call it.

Both graded functions return a pair ``(output, weights)``, graded by
:mod:`.diagnoses.pair`: the pair first (a tuple of two, in that order), then the
weights (where almost every mistake shows), then the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import attention
from ..masking import causal_mask
from ..projections import init_projections
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, hidden_cases,
                   reference, trusted_helpers)
from .diagnoses.case import Attention
from .diagnoses.pair import grade_pair, grade_projected_pair, weight_diagnoses
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_scaled_dot_product_attention", "check_self_attention", "FORBIDDEN"]


_LIBRARY = {**LIBRARY_SOFTMAX, **LIBRARY_ATTENTION}

#: What each graded function may not call (internal name -> name shown to the student).
#: scaled_dot_product_attention must compute its own softmax. self_attention may use the
#: reference scaled_dot_product_attention (and so what that calls): the attention step is
#: graded in scaled_dot_product_attention, and a student should not lose the same points twice.
FORBIDDEN: dict[str, dict[str, str]] = {
    "scaled_dot_product_attention": {**COURSE_ATTENTION, **COURSE_SOFTMAX, **_LIBRARY},
    "self_attention": {**reference("attention", "self_attention", "cross_attention"), **_LIBRARY},
}


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
    return hidden_cases("attention").sdpa_cases()


def _self_cases(hidden: bool) -> list[Case]:
    """(X, W_q, W_k, W_v): n tokens, d_model=6, d_k=3, d_v=2 unless stated."""
    if hidden:
        return hidden_cases("attention").self_cases()
    rng = np.random.default_rng(21)
    W = init_projections(6, 3, 2, seed=23)
    X = np.round(rng.normal(size=(4, 6)), 1)
    return [Case((X,) + W), Case((X,) + W, causal_mask(4))]


# --------------------------------------------------------------------------- scaled_dot_product_attention

_SDPA_OUT_HINT = ("The output has one row per query, as long as a value vector: "
                  "Q (..., n_q, d_k) and V (..., n_k, d_v) give (..., n_q, d_v).")
_SDPA_W_HINT = ("The weights have one row per query and one column per key: "
                "Q (..., n_q, d_k) and K (..., n_k, d_k) give (..., n_q, n_k).")


@guarded
def check_scaled_dot_product_attention(scaled_dot_product_attention: Callable, hidden: bool = False) -> None:
    """Check ``scaled_dot_product_attention(Q, K, V, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    for case in _sdpa_cases(hidden):
        Q, K, V = case.arrays
        att = Attention(Q, K, V, case.mask)
        by_key = att.batch + (att.n_k, att.n_q)
        transposed = [(lambda a, shape=by_key: a.shape == shape != att.weights.shape,
                       "The weights have one row per key and one column per query: the scores are "
                       "Q K^T, whose row i holds query i's dot products with every key.")]
        diagnoses = weight_diagnoses(att, extra=transposed)
        grade_pair(scaled_dot_product_attention, "scaled_dot_product_attention",
                   {"Q": Q, "K": K, "V": V}, att,
                   forbidden=FORBIDDEN["scaled_dot_product_attention"], weight_diagnoses=diagnoses,
                   weights_hint=_SDPA_W_HINT, output_hint=_SDPA_OUT_HINT)


# --------------------------------------------------------------------------- self_attention

@guarded
def check_self_attention(self_attention: Callable, hidden: bool = False) -> None:
    """Check ``self_attention(X, W_q, W_k, W_v, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    for case in _self_cases(hidden):
        X, W_q, W_k, W_v = case.arrays
        args = {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v}
        grade_projected_pair(self_attention, "self_attention", args, X, X, (W_q, W_k, W_v), case.mask,
                             names=("X", "X"), forbidden=FORBIDDEN["self_attention"],
                             output_hint="The output has one row per token, as long as a value vector: "
                                         "X (..., n, d_model) and W_v (d_model, d_v) give (..., n, d_v).",
                             weights_hint="The weights have one row and one column per token: "
                                          "X (..., n, d_model) gives (..., n, n).",
                             context=trusted_helpers(self_attention, {"scaled_dot_product_attention": attention.scaled_dot_product_attention}))


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'scaled_dot_product_attention': check_scaled_dot_product_attention,
    'self_attention': check_self_attention,
}
#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'scaled_dot_product_attention': attention.scaled_dot_product_attention,
    'self_attention': attention.self_attention,
}


#: The questions of the problem set (qkv_course/checks/questions.py): each answer's form; the
#: keys are the grader's (qkv_grader/hidden/attention.py).
QUESTIONS = question_checks(
    "attention",
    Question("padded_batch", (
        Part("weights", "shape", "the shape of the weights"),
        Part("output", "shape", "the shape of the output"),
        Part("zeros", "int", "how many weights are exactly 0", low=0, high=2 * 8 * 5 * 7))),
    Question("no_scaling", (
        Part("std_dot", "number", "the standard deviation of q · k without the division"),
        Part("weight_unscaled", "number", "the first key's weight without the division, to 3 decimals"),
        Part("weight_scaled", "number", "the first key's weight with the division, to 3 decimals"),
        Part("breaks", "choice", "what goes wrong without the division", choices=("a", "b", "c", "d")))),
    Question("one_query", (
        Part("weights", "numbers", "the query's 3 weights, to 3 decimals", length=3),
        Part("output", "numbers", "the query's output, to 3 decimals", length=2),
        Part("masked_output", "numbers", "the output when key 0 is masked, to 3 decimals", length=2))),
)
check_padded_batch = QUESTIONS["padded_batch"]
check_no_scaling = QUESTIONS["no_scaling"]
check_one_query = QUESTIONS["one_query"]
__all__ += ["QUESTIONS", "check_padded_batch", "check_no_scaling", "check_one_query"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
