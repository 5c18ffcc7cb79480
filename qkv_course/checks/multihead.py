"""Checks for assignment ps06, "Multi-head attention".

Four graded items:

* ``split_heads(X, num_heads)`` and ``merge_heads(X)``, single arrays graded with
  :func:`~.core.check_call`; split_heads must also raise ``ValueError`` when d_model is not a
  multiple of num_heads.
* ``multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None)``, whose pair
  ``(output, weights)`` is graded with the building blocks of :mod:`.diagnoses.pair` (the
  weights first, per head, then the output). It may call the student's own split_heads and
  merge_heads: while it is graded, correct ones stand in for them (``core.trusted_helpers``), so a mistake
  there costs points once.
* a torch ``MultiHeadAttention(d_model, num_heads)`` module with a fixed layout, stated in the
  task: four ``nn.Linear(d_model, d_model)`` layers with biases, named ``W_q``, ``W_k``, ``W_v``
  and ``W_o``. The check loads known weights and biases into them and compares ``forward(X,
  mask)`` with :class:`qkv_course.nn.MultiHeadAttention` holding the same numbers (which
  reproduces ``torch.nn.MultiheadAttention``), weights averaged over the heads as torch returns
  them by default.

Masks are boolean, True = may attend, broadcastable to one sentence's ``(..., n, n)`` and shared by
every head. Expected results come from :mod:`qkv_course.multihead` and :mod:`qkv_course.nn`,
computed before the student's code runs; the student's code may not call them (tripwire).

While a notebook is graded the checks run outside the student's kernel
(:mod:`qkv_grader.remote`): the layer is a handle there, so everything the checks learn
about it (its class, its layout, its parameters' dtypes, X changed in place, which linears get a
gradient) comes from probes run in the kernel (:mod:`qkv_course.probes`), and so does what
split_heads raised. Those facts only ever add failures: the layer passes on its outputs for the
weights the grader chose and loaded, which the kernel cannot produce without computing attention.

The hidden cases (``hidden=True``) live in :mod:`qkv_grader.hidden.multihead` (instructor side
only, not in the package students install), loaded only when a check is called with
``hidden=True``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NoReturn

import numpy as np
import torch
from torch import nn

from .. import multihead, probes
from ..emit import Opaque
from ..masking import causal_mask, key_padding_mask, padding_mask
from ..nn import MultiHeadAttention as _ReferenceLayer
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, FeedbackError,
                   Raised, call_student, check_call, check_module_class, fail, hidden_cases, matches,
                   qualified_name, reference, to_array, trusted_helpers)
from .diagnoses import errors, masks
from .diagnoses.case import RTOL, Attention, Diagnoses
from .diagnoses.pair import check_array, raised_hints, split_pair, weight_diagnoses
from .diagnoses.layers import changed_in_place, no_gradient
from .diagnoses.scaling import by_sqrt_d_model
from .diagnoses.shapes import batch_axes, per_token, swapped_pair
from .diagnoses.softmax import over_heads, overflow_hint
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_split_heads", "check_merge_heads", "check_multi_head_attention",
           "check_multihead_layer", "FORBIDDEN"]


_HEADS = reference("multihead", "split_heads", "merge_heads", "head_size")
_MHA = reference("multihead", "multi_head_attention", "head_mask", "parameter_count")
_ATTENTION = {**COURSE_ATTENTION, **COURSE_SOFTMAX, **LIBRARY_SOFTMAX, **LIBRARY_ATTENTION}
_LAYER = {**reference("nn", "MultiHeadAttention.__init__", "MultiHeadAttention.forward",
                      "MultiHeadAttention.split_heads", "MultiHeadAttention.merge_heads",
                      "MultiHeadAttention.load_numpy", shown="qkv_course.nn.MultiHeadAttention"),
          **reference("nn", "copy_from_torch")}

#: What each graded item may not call (internal name -> name shown to the student).
#: multi_head_attention may use the reference split_heads and merge_heads (graded in their own
#: exercises; the check swaps them in for the student's, see _isolated), not the attention step.
FORBIDDEN: dict[str, dict[str, str]] = {
    "split_heads": {**_HEADS, **_MHA},
    "merge_heads": {**_HEADS, **_MHA},
    "multi_head_attention": {**_MHA, **_ATTENTION},
    "MultiHeadAttention": {**_HEADS, **_MHA, **_ATTENTION, **_LAYER},
}

#: The forbidden-call rule for the torch exercise.
_TORCH_RULE = ("from torch operations (nn.Linear, @, torch.exp, .amax, .sum, ...), so library "
               "attention and softmax functions and the course's reference code are not allowed here")


# =========================================================================== the classic mistakes

def _no_transpose_split(A: np.ndarray, h: int) -> np.ndarray:
    """(..., n, d) reshaped straight to (..., h, n, d // h): tokens and heads mixed."""
    *batch, n, d = A.shape
    return A.reshape(*batch, h, n, d // h)


def _interleaved_split(A: np.ndarray, h: int) -> np.ndarray:
    """Head i gets the columns i, i + h, i + 2h, ... (the feature axis cut as (d_head, h))."""
    *batch, n, d = A.shape
    return np.moveaxis(A.reshape(*batch, n, d // h, h), -1, -3)


def _no_transpose_merge(H: np.ndarray) -> np.ndarray:
    """(..., h, n, d) reshaped straight to (..., n, h * d)."""
    *batch, h, n, d = H.shape
    return H.reshape(*batch, n, h * d)


def _interleaved_merge(H: np.ndarray) -> np.ndarray:
    """Feature j of every head side by side, then feature j + 1 of every head, ..."""
    *batch, h, n, d = H.shape
    return np.moveaxis(H, -3, -1).reshape(*batch, n, h * d)


# =========================================================================== split_heads

@dataclass
class SplitCase:
    X: np.ndarray
    num_heads: int


def _labelled(n: int, d_model: int) -> np.ndarray:
    """Entry (i, c) = 10 i + c: token i's feature c, readable in a printed array."""
    return 10.0 * np.arange(n)[:, None] + np.arange(d_model)[None, :]


def _split_cases(hidden: bool) -> tuple[list[SplitCase], list[SplitCase]]:
    """(cases that split, cases that must raise ValueError)."""
    if hidden:
        return hidden_cases("multihead").split_cases()
    rng = np.random.default_rng(61)
    return ([SplitCase(_labelled(4, 6), 2), SplitCase(rng.normal(size=(2, 4, 6)), 3)],
            [SplitCase(_labelled(3, 10), 4)])


def _split_diagnoses(X: np.ndarray, h: int, expected: np.ndarray) -> Diagnoses:
    *batch, n, d = X.shape
    d_head = d // h
    found: Diagnoses = [
        (_no_transpose_split(X, h),
         "The shape is right but tokens and heads are mixed up: reshaping (n, d_model) straight to "
         "(num_heads, n, d_head) reads the numbers in memory order, so 'head 0' got the first "
         "tokens' complete features instead of the first d_head features of every token. Cut each "
         "token's features into num_heads pieces first, keeping the token axis where it is, and "
         "only then move the heads axis in front of the tokens."),
        (_interleaved_split(X, h),
         f"Head h holds features h, h + {h}, h + {2 * h}, ... of each token (every num_heads-th "
         f"one) instead of the block of {d_head} neighbouring features h*d_head:(h+1)*d_head: the "
         f"feature axis was cut into (d_head, num_heads) = ({d_head}, {h}) instead of "
         f"(num_heads, d_head) = ({h}, {d_head}). In a reshape the later axis varies fastest."),
        (expected[..., ::-1, :, :],
         "The heads are in reverse order: head 0 must hold the first d_head features of every "
         "token (columns 0 to d_head - 1), head 1 the next d_head, and so on."),
        (lambda a, s=tuple(batch) + (n, h, d_head): a.shape == s != expected.shape,
         f"The result has shape (..., n, num_heads, d_head) = {tuple(batch) + (n, h, d_head)}: the "
         "features are cut into heads, but the heads axis must come before the tokens, "
         "(..., num_heads, n, d_head), so that every head is an (n, d_head) matrix of its own."),
        (lambda a, s=tuple(batch) + (h, d_head, n): a.shape == s != expected.shape,
         "Each head is transposed, (d_head, n): every head should be an (n, d_head) matrix with "
         "one row per token, like the queries it will hold."),
        (lambda a, s=tuple(batch) + (n, d): a.shape == s != expected.shape,
         "It has the shape of X itself: split_heads should add a heads axis, "
         "(..., n, d_model) -> (..., num_heads, n, d_model // num_heads)."),
    ]
    if n % h == 0 and h > 1:
        found.append((
            lambda a, s=tuple(batch) + (h, n // h, d): a.shape == s != expected.shape,
            f"The tokens were cut into num_heads groups: the result has shape (..., num_heads, "
            f"n / num_heads, d_model) = {tuple(batch) + (h, n // h, d)}, so each 'head' holds a few "
            "whole tokens. Cut the features instead (the last axis, d_model) into num_heads pieces "
            "of d_head: every head keeps all n tokens, each with d_head of its features."))
    return found


def _split_hint(X: np.ndarray, h: int) -> str:
    *batch, n, d = X.shape
    return (f"X (..., n, d_model) = {X.shape} split into num_heads = {h} heads gives "
            f"(..., num_heads, n, d_model // num_heads) = {tuple(batch) + (h, n, d // h)}.")


def _facts(facts: Any, label: str) -> dict:
    """What a probe reported (a dict), or a failure when the kernel answered something else."""
    __tracebackhide__ = True
    if type(facts) is not dict:
        fail(f"{label}: the grader could not read what it asked your notebook to find out (a "
             f"{type(facts).__name__} instead of the facts). Was the course's code changed in the "
             "notebook?")
    return facts


def _check_value_error(split_heads: Callable, case: SplitCase) -> None:
    __tracebackhide__ = True
    X, h = case.X, case.num_heads
    d = X.shape[-1]
    label = f"split_heads(X of shape {X.shape}, num_heads={h})"
    # what the call did, found out in the student's kernel (probes.split_heads_outcome)
    outcome = _facts(call_student(probes.split_heads_outcome, "split_heads", split_heads, X, h,
                                  forbidden=FORBIDDEN["split_heads"], label=label), label)
    why = (f"d_model = {d} features cannot be cut into {h} heads of the same size ({d} is not a "
           f"multiple of {h})")
    if "raised" not in outcome:
        shape = outcome.get("shape")
        what = (f"an array of shape {tuple(shape)}" if isinstance(shape, list)
                else f"a {outcome.get('returned')}")
        fail(f"{label} returned {what} without complaint, but {why}: some features would be lost or "
             "the heads would differ in size. Check for this case and raise ValueError with a "
             "message that says what is wrong.")
    if outcome.get("value_error") is not True:
        kind = outcome.get("raised")
        source = " (from an assert statement)" if outcome.get("assert") is True else ""
        fail(f"{label} raised {kind}{source}, but {why}, and the task asks for ValueError: "
             "the exception Python uses for an argument of the right type with an unacceptable "
             f"value. Raise ValueError instead of {kind}.")


@guarded
def check_split_heads(split_heads: Callable, hidden: bool = False) -> None:
    """Check ``split_heads(X, num_heads)``: (..., n, d_model) -> (..., num_heads, n, d_head),
    and ValueError when d_model is not a multiple of num_heads."""
    __tracebackhide__ = True
    splits, raising = _split_cases(hidden)
    for case in splits:
        expected = multihead.split_heads(case.X, case.num_heads)
        try:
            check_call(split_heads, "split_heads", {"X": case.X}, expected,
                       kwargs={"num_heads": case.num_heads}, forbidden=FORBIDDEN["split_heads"],
                       rtol=1e-12, atol=0.0,
                       diagnoses=_split_diagnoses(case.X, case.num_heads, expected),
                       shape_hint=_split_hint(case.X, case.num_heads))
        except FeedbackError as err:
            errors.add_hints(err, errors.leading_axes(err.raised, case.X.shape, 2, "(n, d_model)"))
    for case in raising:
        _check_value_error(split_heads, case)


# =========================================================================== merge_heads

def _merge_cases(hidden: bool) -> list[tuple[np.ndarray, int]]:
    """(X, num_heads): merge_heads gets split_heads(X, num_heads) and must give back X."""
    if hidden:
        return hidden_cases("multihead").merge_cases()
    rng = np.random.default_rng(63)
    return [(_labelled(4, 6), 2), (rng.normal(size=(2, 4, 6)), 3)]


def _merge_diagnoses(H: np.ndarray, expected: np.ndarray) -> Diagnoses:
    *batch, h, n, d = H.shape
    b = tuple(batch)
    return [
        (_no_transpose_merge(H),
         "The shape is right but tokens and heads are mixed up: reshaping (num_heads, n, d_head) "
         "straight to (n, num_heads * d_head) reads the numbers in memory order, so row 0 got the "
         "first tokens of head 0 instead of token 0's features from every head. Move the heads "
         "axis back behind the tokens first, then join each token's heads."),
        (_interleaved_merge(H),
         "The heads' features are interleaved (feature 0 of every head, then feature 1 of every "
         "head, ...): head h's d_head features must stay together, in columns "
         "h*d_head:(h+1)*d_head, the exact inverse of split_heads."),
        (multihead.merge_heads(H[..., ::-1, :, :]),
         "The heads are joined in reverse order: head 0's features come first (columns 0 to "
         "d_head - 1), then head 1's, and so on."),
        (lambda a, s=b + (n, h, d): a.shape == s != expected.shape,
         f"The result has shape (..., n, num_heads, d_head) = {b + (n, h, d)}: the heads are "
         "behind the tokens, but not yet joined. Join the last two axes into num_heads * d_head "
         "features per token."),
        (lambda a, s=b + (h * n, d): a.shape == s != expected.shape,
         "The heads were stacked along the token axis, (..., num_heads * n, d_head): each token "
         "should keep one row, holding its features from every head side by side."),
        (lambda a, s=b + (n, d): a.shape == s != expected.shape,
         "It has one head's width, (..., n, d_head): the heads were added up, averaged or only one "
         "was kept. Merging keeps every head's features side by side: (..., n, num_heads * d_head)."),
    ] + ([] if not batch else [
        (wrong, f"The pieces were joined by walking along the FIRST axis of X, which here is a batch "
                f"axis, not the heads: X has shape {H.shape}, (..., num_heads, n, d_head) with "
                f"{batch_axes(len(batch))}. np.concatenate(X, ...), np.hstack(X), list(X) and "
                "'for head in X' all take X[0], X[1], ...; pick the heads by a position counted from "
                "the end instead, X[..., h, :, :], or move that axis with negative positions.")
        for wrong in (np.concatenate(H, axis=-1), np.concatenate(H, axis=1))])


@guarded
def check_merge_heads(merge_heads: Callable, hidden: bool = False) -> None:
    """Check ``merge_heads(X)``: (..., num_heads, n, d_head) -> (..., n, num_heads * d_head),
    the inverse of split_heads: merge_heads(split_heads(X, h)) gives back X."""
    __tracebackhide__ = True
    for X, h in _merge_cases(hidden):
        H = multihead.split_heads(X, h)
        expected = multihead.merge_heads(H)
        *batch, _, n, d = H.shape
        try:
            check_call(merge_heads, "merge_heads", {"X": H}, expected, forbidden=FORBIDDEN["merge_heads"],
                       rtol=1e-12, atol=0.0, diagnoses=_merge_diagnoses(H, expected),
                       shape_hint=f"X (..., num_heads, n, d_head) = {H.shape} merges into "
                                  f"(..., n, num_heads * d_head) = {tuple(batch) + (n, h * d)}; "
                                  "merge_heads(split_heads(X, num_heads)) gives back X.")
        except FeedbackError as err:
            errors.add_hints(err, errors.leading_axes(err.raised, H.shape, 3, "(num_heads, n, d_head)"))


# =========================================================================== multi_head_attention

@dataclass
class MHACase:
    X: np.ndarray
    W: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]    # W_q, W_k, W_v, W_o
    num_heads: int
    mask: np.ndarray | None = None


def _square(d_model: int, rng: np.random.Generator, k: int = 4, decimals: int | None = None) -> tuple:
    Ws = [rng.normal(size=(d_model, d_model)) / math.sqrt(d_model) for _ in range(k)]
    return tuple(np.round(W, decimals) if decimals is not None else W for W in Ws)


def _mha_cases(hidden: bool) -> list[MHACase]:
    if hidden:
        return hidden_cases("multihead").mha_cases()
    rng = np.random.default_rng(65)
    X = np.round(rng.normal(size=(4, 6)), 1)
    W = _square(6, rng, decimals=1)
    Xb = rng.normal(size=(2, 3, 6))
    pad = key_padding_mask(padding_mask([3, 2], 3))                     # (2, 1, 3), batch == heads
    return [MHACase(X, W, 2), MHACase(X, W, 2, causal_mask(4)), MHACase(Xb, W, 2, pad),
            MHACase(40 * X, W, 2)]                                      # scores in the thousands


@dataclass
class Heads:
    """One multi-head computation as the grader sees it: the per-head attention ``att`` (queries,
    keys and values split into heads, the mask given its heads axis) and what the heads mean."""

    X: np.ndarray
    Q: np.ndarray                 # (..., n, d_model), before the split
    K: np.ndarray
    V: np.ndarray
    W_o: np.ndarray               # (d_model, d_model), used as merged @ W_o
    b_o: np.ndarray | float
    num_heads: int
    mask: np.ndarray | None       # as the student's function gets it: (..., n, n) or less

    def __post_init__(self) -> None:
        h = self.num_heads
        *batch, n, _ = self.X.shape
        self.batch = tuple(batch)
        m = None if self.mask is None else multihead.head_mask(self.mask, self.batch, n)
        self.att = Attention(*(multihead.split_heads(A, h) for A in (self.Q, self.K, self.V)), m)
        self.merged = multihead.merge_heads(self.att.output)
        self.output = self.merged @ self.W_o + self.b_o

    def attend(self, split: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray:
        """The weights when Q and K are split into heads by ``split``."""
        Q, K = (split(A, self.num_heads) for A in (self.Q, self.K))
        return self.att.softmax(Q @ np.swapaxes(K, -1, -2) / math.sqrt(self.att.d_k))

    def head_mistakes(self) -> Diagnoses:
        """Weight mistakes of multi-head attention itself, tried before the attention ones."""
        att, h, d_model = self.att, self.num_heads, self.X.shape[-1]
        n = self.X.shape[-2]
        found: Diagnoses = []
        if h > 1:
            found += [
                (self.attend(_no_transpose_split),
                 "Tokens and heads are mixed up: the queries and keys were reshaped from (n, d_model) "
                 "straight to (num_heads, n, d_head), without the transpose, so 'head 0' holds the "
                 "first tokens' complete features instead of the first d_head features of every "
                 "token. Cut each token's features into heads first, then move the heads axis in "
                 "front of the tokens (your split_heads)."),
                (self.attend(_interleaved_split),
                 "Head h was given every num_heads-th feature (h, h + num_heads, ...) instead of the "
                 "block of d_head neighbouring features h*d_head:(h+1)*d_head."),
                *over_heads(att),
            ]
        if self.mask is not None and np.ndim(self.mask) >= 3:
            try:
                unaligned = np.broadcast_to(self.mask, att.weights.shape)
            except ValueError:
                unaligned = None
            if unaligned is not None:
                found.append((att.softmax(att.scaled, unaligned), self.mask_message()))
        single = att.softmax(self.Q @ np.swapaxes(self.K, -1, -2) / math.sqrt(d_model),
                             None if att.allowed is None else att.allowed[..., 0, :, :])
        found += [
            (lambda a, s=self.batch + (n, n), w=att.weights.mean(axis=-3):
                a.shape == s and matches(a, w, RTOL, 1e-6),
             "These are the weights averaged over the heads, (..., n, n). Return every head's "
             "weights, (..., num_heads, n, n): the average hides what each head does (torch's "
             "layer averages them only for display, by default)."),
            (lambda a, s=self.batch + (n, n): a.shape == s and matches(a, single, RTOL, 1e-6),
             "These are the weights of one attention over all d_model features: split the queries, "
             "keys and values into num_heads heads first, and attend in every head separately, "
             "which gives weights of shape (..., num_heads, n, n)."),
            (att.softmax(np.swapaxes(att.scaled, -1, -2)),
             "The queries and keys are swapped: Q = X W_q says what each token looks for and "
             "K = X W_k what it offers; head h's weights are softmax(Q_h K_h^T / sqrt(d_head))."),
        ]
        return found

    def mask_message(self) -> str:
        return masks.heads_axis(np.shape(self.mask), self.att.weights.shape)

    def weight_diagnoses(self, inverted_note: str = "") -> Diagnoses:
        """Every weight mistake on this case (``inverted_note``: see
        :func:`.diagnoses.masks.attention_mistakes`)."""
        att, d_model = self.att, self.X.shape[-1]
        d_model_scale = (att.softmax(att.raw / math.sqrt(d_model)), by_sqrt_d_model(d_model, att.d_k, heads=True))
        return weight_diagnoses(att, extra=[d_model_scale] + self.head_mistakes(), inverted_note=inverted_note)

    def raised_hint(self, raised: Raised | None) -> str:
        """What to look at when the student's multi_head_attention raised ``raised`` on this case:
        the mask's heads axis; a product written for 2-d arrays, else what any attention is told
        (:func:`.diagnoses.pair.raised_hints`), else leading axes; else the case's shapes."""
        att = self.att
        hints = [errors.heads_mask(raised, None if self.mask is None else np.shape(self.mask),
                                   att.weights.shape),
                 (errors.heads_matmul(raised, att.Q.shape) or raised_hints(att, raised)
                  or errors.leading_axes(raised, self.X.shape, 2, "(n, d_model)"))]
        hints = [h for h in hints if h]
        if raised is not None and not hints:
            hints = [f"Shapes in this case: X {self.X.shape}, num_heads = {self.num_heads}, so the "
                     f"heads' queries are {att.Q.shape} = (..., num_heads, n, d_head) and the weights "
                     f"{att.weights.shape}."]
        return " ".join(hints)

    def output_mistakes(self) -> Diagnoses:
        """Output mistakes once the weights are right."""
        heads, W_o, b_o = self.att.output, self.W_o, self.b_o
        unmixed = _no_transpose_merge(heads)
        found: Diagnoses = [
            (self.merged,
             "The weights are right, and the output is every head's result side by side, before the "
             "output projection: multiply the merged heads by W_o, which mixes what the heads found."),
            (self.merged @ W_o.T + b_o,
             "The weights are right, but the merged heads were multiplied by the transpose of the "
             "output projection W_o: use it the same way round as W_q, W_k and W_v."),
        ]
        if self.num_heads > 1 and self.X.shape[-2] > 1:
            found += [
                (unmixed @ W_o + b_o,
                 "The weights are right, but tokens and heads are mixed up in the output: the heads "
                 "(..., num_heads, n, d_head) were reshaped straight to (..., n, d_model) without "
                 "moving the heads axis back behind the tokens first (your merge_heads)."),
                (_interleaved_merge(heads) @ W_o + b_o,
                 "The weights are right, but the heads' features were interleaved when merging: "
                 "head h's d_head features belong together in columns h*d_head:(h+1)*d_head."),
            ]
        return [(w, m) for w, m in found if w is not None and m and not matches(w, self.output, RTOL, 1e-6)]


@guarded
def check_multi_head_attention(multi_head_attention: Callable, hidden: bool = False) -> None:
    """Check ``multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None)``
    -> (output (..., n, d_model), weights (..., num_heads, n, n))."""
    __tracebackhide__ = True
    name = "multi_head_attention"
    for case in _mha_cases(hidden):
        X = case.X
        W_q, W_k, W_v, W_o = case.W
        heads = Heads(X, X @ W_q, X @ W_k, X @ W_v, W_o, 0.0, case.num_heads, case.mask)
        att = heads.att
        weight_diag = masks.nan_tolerant(heads.weight_diagnoses(), 1e-6)
        out_diag = heads.output_mistakes()
        args: dict[str, Any] = {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o,
                                "num_heads": case.num_heads}
        shown = [f"{k} of shape {v.shape}" for k, v in args.items() if k != "num_heads"]
        shown.append(f"num_heads={case.num_heads}")
        if case.mask is not None:
            args["mask"] = case.mask
            shown.append(f"mask of shape {case.mask.shape}")
        label = f"{name}({', '.join(shown)})"
        try:
            with trusted_helpers(multi_head_attention, {"split_heads": multihead.split_heads,
                                                         "merge_heads": multihead.merge_heads}):
                result = call_student(multi_head_attention, name, *args.values(),
                                      forbidden=FORBIDDEN[name], label=label)
        except FeedbackError as err:
            errors.add_hints(err, heads.raised_hint(err.raised))
        top = float(np.abs(att.scaled).max(initial=0.0))
        finite_hint = overflow_hint(top, scaled_by="sqrt(d_head)") if top >= 700 else ""
        output, weights = split_pair(result, label, att, heads.output.shape)
        w_label = f"{label} (its 2nd item, the weights)"
        check_array(weights, att.weights, w_label, weight_diag, empty=att.empty, atol=1e-6,
                    empty_fix=masks.empty_fix(heads=True), finite_hint=finite_hint,
                    shape_hint=f"The weights hold one (n, n) matrix per head: X {X.shape} with "
                               f"num_heads = {case.num_heads} gives (..., num_heads, n, n) = "
                               f"{att.weights.shape}.")
        masks.check_blocked_zero(weights, att.blocked, w_label)
        scale = max(float(np.abs(heads.output).max(initial=1.0)), 1.0)
        check_array(output, heads.output, f"{label} (its 1st item, the output)", out_diag,
                    empty=None if att.empty is None else att.empty[..., 0, :],
                    empty_fix=masks.empty_fix(heads=True), atol=1e-6 * scale, finite_hint=finite_hint,
                    shape_hint=per_token(heads.output.shape))


# =========================================================================== the torch layer

_LINEARS = ("W_q", "W_k", "W_v", "W_o")

#: (d_model, num_heads, [(X shape, mask or None, scale of X)]) for each layer built.
_LayerCase = tuple[int, int, list[tuple[tuple[int, ...], Any, float]]]


def _layer_cases(hidden: bool) -> list[_LayerCase]:
    if hidden:
        return hidden_cases("multihead").layer_cases()
    return [(4, 2, [((3, 4), None, 1.0), ((2, 3, 4), causal_mask(3), 1.0),
                    ((2, 3, 4), key_padding_mask(padding_mask([3, 2], 3)), 1.0),
                    ((3, 4), None, 15.0)])]                              # scores in the hundreds


def _config(d_model: int, num_heads: int) -> str:
    return f"MultiHeadAttention(d_model={d_model}, num_heads={num_heads})"


#: Classes the layer may not derive from: qualified name (as probes.class_facts reports a
#: class's method resolution order) -> how to name it.
_NOT_FROM = {qualified_name(_ReferenceLayer): "the course's qkv_course.nn.MultiHeadAttention",
             qualified_name(nn.MultiheadAttention): "torch.nn.MultiheadAttention"}


def _layer_call(probe: Callable, target: Any, *args: Any, label: str, **kwargs: Any) -> Any:
    """``probe(target, *args, **kwargs)`` run in the student's kernel (in the notebook's process
    for the visible tests), under the layer exercise's rules."""
    __tracebackhide__ = True
    return call_student(probe, "MultiHeadAttention", target, *args, forbidden=FORBIDDEN["MultiHeadAttention"],
                        label=label, rule=_TORCH_RULE, **kwargs)


def _check_class(cls: Any, d_model: int, num_heads: int) -> None:
    """The answer must be a class deriving from torch.nn.Module, not from torch's or the course's
    multi-head attention (:func:`.core.check_module_class`, from the kernel's facts)."""
    __tracebackhide__ = True
    check_module_class(cls, "MultiHeadAttention", _NOT_FROM, args=(d_model, num_heads),
                       label=_config(d_model, num_heads), forbidden=FORBIDDEN["MultiHeadAttention"],
                       rule=_TORCH_RULE)


def _is_layer(layer: Any) -> bool:
    """A torch module: here, or a module the kernel keeps (a handle) while graded outside it."""
    if isinstance(layer, Opaque):
        return layer.handle is not None and layer.is_module
    return isinstance(layer, nn.Module)


def _build_layer(cls: Any, d_model: int, num_heads: int, seed: int) -> Any:
    """The student's layer, built in the kernel with torch seeded (probes.seeded_call): the layer
    itself in the student's kernel, a handle to it while graded outside."""
    __tracebackhide__ = True
    label = _config(d_model, num_heads)
    try:
        layer = _layer_call(probes.seeded_call, seed, cls, d_model, num_heads, label=label)
    except FeedbackError as err:
        errors.add_hints(err, errors.init_first(err.raised), new_line=False)
    if not _is_layer(layer):
        fail(f"{label} built a {type(layer).__name__}, not a torch.nn.Module.")
    return layer


def _check_layout(layer: Any, d_model: int, num_heads: int) -> None:
    """The four nn.Linear(d_model, d_model) layers with biases that the task asks for, from the
    kernel's facts (probes.mha_layout)."""
    __tracebackhide__ = True
    label = _config(d_model, num_heads)
    facts = _facts(_layer_call(probes.mha_layout, layer, list(_LINEARS), label=label), label)
    children = facts.get("children")
    children = [c for c in (children if isinstance(children, list) else [])
                if isinstance(c, list) and len(c) == 2]
    linears = facts.get("linears")
    linears = linears if isinstance(linears, dict) else {}
    for name in _LINEARS:
        found = linears.get(name)
        found = found if isinstance(found, dict) else {}
        if found.get("exists") is not True:
            others = [f"{k} ({t})" for k, t in children]
            extra = (f" It has {', '.join(others)}." if others else "")
            fail(f"{label} has no attribute {name}. The task fixes the layout, so that the tests can "
                 "load known weights: four layers self.W_q, self.W_k, self.W_v and self.W_o, each "
                 f"nn.Linear(d_model, d_model), the projections of all heads at once.{extra}")
        if found.get("linear") is not True:
            fail(f"{label}: self.{name} is a {found.get('type')}; it should be an "
                 f"nn.Linear(d_model, d_model) = nn.Linear({d_model}, {d_model}).")
        if found.get("registered") is not True:
            fail(f"{label}: self.{name} is not registered as a sub-layer of the module; assign the "
                 "nn.Linear directly as an attribute in __init__ (after super().__init__()).")
        shape = (found.get("in_features"), found.get("out_features"))
        if shape != (d_model, d_model):
            per_head = (shape[0] == d_model and shape[1] == d_model // num_heads and num_heads > 1)
            why = (" That is one head's size: the layer computes every head's part at once, "
                   "d_model = num_heads * d_head outputs, and the heads are cut out of them "
                   "afterwards." if per_head else "")
            fail(f"{label}: self.{name} is nn.Linear({shape[0]}, {shape[1]}), but it should be "
                 f"nn.Linear(d_model, d_model) = nn.Linear({d_model}, {d_model}).{why}")
        if found.get("bias") is not True:
            fail(f"{label}: self.{name} has no bias (bias=False). torch.nn.MultiheadAttention has "
                 "biases in all four projections, and the task asks for nn.Linear with its default "
                 "bias=True, so that the layer can hold a trained nn.MultiheadAttention's numbers.")
    count = facts.get("count")
    expected = multihead.parameter_count(d_model, num_heads, bias=True)
    if count != expected:
        extra = facts.get("others")
        extra = [str(k) for k in extra] if isinstance(extra, list) else []
        fail(f"{label} has {count} learnable numbers, but nn.MultiheadAttention(d_model, num_heads) has "
             f"4 d_model^2 + 4 d_model = {expected}, all in W_q, W_k, W_v and W_o."
             + (f" The others are in: {', '.join(extra)}." if extra else ""))


def _known_parameters(d_model: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Weights (out, in) and biases as float32-representable float64 arrays, per layer name."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in _LINEARS:
        W = (rng.normal(size=(d_model, d_model)) / math.sqrt(d_model)).astype(np.float32)
        b = (0.3 * rng.normal(size=d_model)).astype(np.float32)
        out[name] = (W.astype(np.float64), b.astype(np.float64))
    return out


def _load(layer: Any, params: dict[str, tuple[np.ndarray, np.ndarray]], d_model: int, num_heads: int) -> None:
    """Copy the grader's weights and biases into W_q, W_k, W_v and W_o (probes.mha_load, in the
    kernel): the outputs the layer is graded on are those of these numbers."""
    __tracebackhide__ = True
    _layer_call(probes.mha_load, layer, params,
                label=f"{_config(d_model, num_heads)} (loading the tests' weights into W_q, W_k, W_v, W_o)")


def _layer_heads(X: np.ndarray, params: dict, num_heads: int, mask: Any) -> Heads:
    (Wq, bq), (Wk, bk), (Wv, bv), (Wo, bo) = (params[n] for n in _LINEARS)
    return Heads(X, X @ Wq.T + bq, X @ Wk.T + bk, X @ Wv.T + bv, Wo.T, bo, num_heads, mask)


#: Added to the inverted mask's message for the torch layer.
_TORCH_CONVENTION = (" (nn.MultiheadAttention's boolean attn_mask means the opposite, True = blocked; "
                     "this layer follows the course's convention.)")


def _explain_forward(err: FeedbackError, layer: Any, label: str, heads: Heads) -> NoReturn:
    """Raise ``err``, an error of the layer's forward, with what to look at where it raised: its
    parameters' dtype, masked_fill with a converted mask, a per-sentence mask without a heads axis."""
    __tracebackhide__ = True
    raised = err.raised

    def dtypes() -> list:
        found = _layer_call(probes.mha_parameter_dtypes, layer, label=label)
        return found if isinstance(found, list) else []

    errors.add_hints(err, errors.float64_parameters(raised, dtypes) or errors.masked_fill_bool(raised),
                     errors.heads_mask(raised, None if heads.mask is None else np.shape(heads.mask),
                                       heads.att.weights.shape,
                                       ("size of tensor", "broadcast", "shape mismatch", "expanded size")),
                     new_line=False)


def _layer_pair(result: Any, label: str, out_shape: tuple, w_shape: tuple, per_head: tuple
                ) -> tuple[torch.Tensor, torch.Tensor]:
    __tracebackhide__ = True
    tensors = (torch.Tensor, nn.Parameter)
    if type(result) in tensors:
        shape = tuple(result.shape)
        what = "the output" if shape == out_shape else "the weights" if shape in (w_shape, per_head) else "?"
        fail(f"{label}: forward returned one tensor of shape {shape}"
             + (f", shaped like {what}" if what != "?" else "")
             + ". Return two things, as a tuple: (output, weights), like nn.MultiheadAttention.")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = (f"a {type(result).__name__} of {len(result)} items" if isinstance(result, (tuple, list))
                else f"a {type(result).__name__}")
        fail(f"{label}: forward returned {what}; it should return a tuple of two tensors, "
             "(output, weights).")
    for i, t in enumerate(result):
        if type(t) not in tensors:
            fail(f"{label}: item {i} of what forward returned is a {type(t).__name__}; forward should "
                 "return torch tensors, so that gradients can flow back to the layers.")
    first, second = result
    weight_shapes = (w_shape, per_head)
    if (tuple(first.shape) in weight_shapes and tuple(second.shape) == out_shape
            and out_shape not in weight_shapes):
        fail(swapped_pair(label, ", as nn.MultiheadAttention does"))
    return first, second


def _check_layer_call(layer: Any, params: dict, d_model: int, num_heads: int, x_shape: tuple, mask: Any,
                      scale: float, rng: np.random.Generator) -> None:
    __tracebackhide__ = True
    X32 = (scale * rng.normal(size=x_shape)).astype(np.float32)
    X = X32.astype(np.float64)
    heads = _layer_heads(X, params, num_heads, mask)
    att = heads.att
    *batch, n, _ = x_shape
    w_shape = tuple(batch) + (n, n)
    per_head = att.weights.shape
    expected_w = att.weights.mean(axis=-3)
    # The average over heads of each per-head mistake (predicates work on per-head shapes only).
    weight_diag: Diagnoses = [
        (lambda a, w=att.weights: a.shape == w.shape and matches(a, w, RTOL, 1e-5),
         "These are every head's weights, (..., num_heads, n, n). Like nn.MultiheadAttention (by "
         "default), forward returns the weights averaged over the heads, (..., n, n).")]
    for wrong, message in heads.weight_diagnoses(inverted_note=_TORCH_CONVENTION):
        if isinstance(wrong, np.ndarray) and wrong.shape == per_head:
            weight_diag.append((wrong.mean(axis=-3), message))
    weight_diag = masks.nan_tolerant(weight_diag, 2e-5)
    t_mask = None if mask is None else torch.as_tensor(np.asarray(mask))
    rest = [t_mask] if t_mask is not None else []
    label = (f"{_config(d_model, num_heads)}.forward(X of shape {x_shape}"
             + (f", mask of shape {tuple(t_mask.shape)}" if t_mask is not None else "") + ")")
    try:
        result = call_student(layer, "MultiHeadAttention", torch.from_numpy(X32.copy()), *rest,
                              forbidden=FORBIDDEN["MultiHeadAttention"], label=label, rule=_TORCH_RULE)
    except FeedbackError as err:
        _explain_forward(err, layer, label, heads)
    # what the result cannot show (X changed in place, gradients), from the same call once more in
    # the kernel (probes.mha_call_facts): these facts only add failures
    facts = _facts(_layer_call(probes.mha_call_facts, layer, list(_LINEARS), torch.from_numpy(X32.copy()),
                               *rest, label=label), label)
    if facts.get("x_changed") is not False:
        fail(changed_in_place(label))
    output, weights = _layer_pair(result, label, heads.output.shape, w_shape, per_head)
    if not output.requires_grad:
        fail(no_gradient(f"{label}: the output", "the layer cannot be trained"))
    out_np, w_np = to_array(output, label), to_array(weights, label)
    top = float(np.abs(att.scaled).max(initial=0.0))
    finite_hint = overflow_hint(top, scaled_by="sqrt(d_head)", float32=True) if top > 80 else ""
    check_array(w_np, expected_w, f"{label} (its 2nd item, the weights)", weight_diag, empty=None,
                atol=2e-5, finite_hint=finite_hint,
                shape_hint=f"forward returns the weights averaged over the heads, like "
                           f"nn.MultiheadAttention: (..., n, n) = {w_shape}.")
    check_array(out_np, heads.output, f"{label} (its 1st item, the output)", heads.output_mistakes(),
                empty=None,
                atol=2e-5 * max(1.0, float(np.abs(heads.output).max())), finite_hint=finite_hint,
                shape_hint=per_token(heads.output.shape))
    if facts.get("grad_error") is not None:
        error = str(facts["grad_error"]).rstrip(".")
        fail(f"{label}: computing the gradients of forward's result (output and weights) for W_q, W_k, "
             f"W_v and W_o raised {error}. The layer could not be trained: look for in-place changes "
             "of tensors that the backward pass needs.")
    unused = facts.get("unused")
    if not isinstance(unused, list) or not all(n in _LINEARS for n in unused):
        fail(f"{label}: the grader could not find out which of W_q, W_k, W_v and W_o get a gradient.")
    if unused:
        fail(f"{label}: {', '.join(unused)} {'gets' if len(unused) == 1 else 'get'} no gradient, so "
             f"training could never change {'it' if len(unused) == 1 else 'them'}. "
             "Compute the queries, keys, values and output with these layers, inside forward.")


@guarded
def check_multihead_layer(MultiHeadAttention: Any, hidden: bool = False) -> None:
    """Check a torch module class ``MultiHeadAttention(d_model, num_heads)`` with layers ``W_q``,
    ``W_k``, ``W_v``, ``W_o`` (nn.Linear(d_model, d_model) with biases) whose
    ``forward(X, mask=None)`` returns (output (..., n, d_model), weights averaged over heads
    (..., n, n)), as torch.nn.MultiheadAttention does with the same numbers."""
    __tracebackhide__ = True
    cases = _layer_cases(hidden)
    _check_class(MultiHeadAttention, *cases[0][:2])
    # X of every call from one generator; each layer built and given its weights with its own seed
    rng = np.random.default_rng(hidden_cases("multihead").LAYER_INPUTS_SEED if hidden else 67)
    seeds = hidden_cases("multihead").LAYER_SEEDS if hidden else range(len(cases))
    for seed, (d_model, num_heads, calls) in zip(seeds, cases, strict=True):
        layer = _build_layer(MultiHeadAttention, d_model, num_heads, seed)
        _check_layout(layer, d_model, num_heads)
        params = _known_parameters(d_model, seed)
        _load(layer, params, d_model, num_heads)
        for x_shape, mask, scale in calls:
            _check_layer_call(layer, params, d_model, num_heads, x_shape, mask, scale, rng)


#: The check of each graded item (by the name its test cells give it).
CHECKS = {
    'split_heads': check_split_heads,
    'merge_heads': check_merge_heads,
    'multi_head_attention': check_multi_head_attention,
    'MultiHeadAttention': check_multihead_layer,
}
#: The reference of each graded item: it answers a check's calls for a first guess at what the
#: grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'split_heads': multihead.split_heads,
    'merge_heads': multihead.merge_heads,
    'multi_head_attention': multihead.multi_head_attention,
    'MultiHeadAttention': _ReferenceLayer,
}


# --------------------------------------------------------------------------- questions
# What the student predicts about heads; the keys are the grader's
# (qkv_grader.hidden.multihead.KEYS), see .questions.

_BIG = 10**9  # the largest count a question accepts

QUESTIONS = question_checks(
    "multihead",
    Question("head_shapes", (
        Part("q_split", "shape", "the shape of Q after the split into heads"),
        Part("weights", "shape", "the shape of the layer's weights, one matrix per head"),
        Part("scale", "number", "the number each head divides its dot products by, to 3 decimals"),
        Part("torch_weights", "shape", "the shape of the weights nn.MultiheadAttention returns by default"))),
    Question("parameter_counts", (
        Part("params_8", "int", "the layer's parameters with 8 heads", low=0, high=_BIG),
        Part("params_16", "int", "the layer's parameters with 16 heads", low=0, high=_BIG),
        Part("in_proj_shape", "shape", "the shape of torch's in_proj_weight"),
        Part("score_products", "int", "the multiplications of all 8 heads' scores for 100 tokens",
             low=0, high=_BIG))),
    Question("reshape_bug", (
        Part("right", "numbers", "head 1, token 0 of split_heads(X, 2)", length=4),
        Part("buggy", "numbers", "head 1, token 0 of X.reshape(2, 3, 4)", length=4),
        Part("round_trip", "bool", "whether the buggy split followed by the buggy merge gives back X"))),
)
check_head_shapes = QUESTIONS["head_shapes"]
check_parameter_counts = QUESTIONS["parameter_counts"]
check_reshape_bug = QUESTIONS["reshape_bug"]
__all__ += ["QUESTIONS", "check_head_shapes", "check_parameter_counts", "check_reshape_bug"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
