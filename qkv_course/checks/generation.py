"""Checks for assignment ps09, "Generating text: the KV cache and shared heads".

Each ``check_*`` function takes the student's function, runs it on a set of cases (the visible
ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.generation`, on the instructor's side only) and raises
:class:`~qkv_course.checks.core.FeedbackError` with a targeted message on the first problem.
Expected results come from :mod:`qkv_course.generation`; the student's code may not call it.

Conventions (chapter 9's): query head i reads key/value head i // (h / h_kv) (``np.repeat`` on the
head axis); ``grouped_query_attention`` returns attention's pair ``(output, weights)`` and raises
ValueError when h_kv does not divide h or K and V have different numbers of heads;
``decode_step`` takes and returns plain arrays, the caches ``(..., h_kv, t, d_head)`` growing by
one token per call; ``kv_cache_bytes`` counts 2 (K and V) x layers x kv_heads x d_head x tokens x
batch x bytes per number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import generation
from ..multihead import merge_heads, split_heads
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, call_student,
                   check_close, fail, hidden_cases, reference, to_array)
from .diagnoses import errors
from .diagnoses.case import Attention, Diagnoses, attempt
from .diagnoses.pair import grade_pair, weight_diagnoses
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_grouped_query_attention", "check_decode_step", "check_kv_cache_bytes", "FORBIDDEN",
           "GQACase", "StepCase", "BytesCase", "gqa_case", "step_case"]

_GENERATION = reference("generation", "grouped_query_attention", "decode_step", "cached_step",
                        "causal_self_attention", "incremental_self_attention", "kv_cache_bytes",
                        "KVCache.append", "ModelShape.cache_bytes")
_ATTENTION = {**COURSE_ATTENTION, **COURSE_SOFTMAX, **LIBRARY_SOFTMAX, **LIBRARY_ATTENTION}

#: What each graded function may not call (internal name -> name shown to the student).
FORBIDDEN: dict[str, dict[str, str]] = {
    "grouped_query_attention": {**_GENERATION, **_ATTENTION},
    "decode_step": {**_GENERATION, **_ATTENTION},
    "kv_cache_bytes": dict(_GENERATION),
}


# =========================================================================== grouped_query_attention

@dataclass
class GQACase:
    """Q (..., h, n_q, d), K (..., h_kv, n_k, d), V (..., h_kv, n_k, d_v), mask or None."""

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    mask: np.ndarray | None = None

    @property
    def group(self) -> int:
        return self.Q.shape[-3] // self.K.shape[-3]


def gqa_case(batch: tuple[int, ...], h: int, h_kv: int, n_q: int, n_k: int, d: int, d_v: int, seed: int,
             mask: np.ndarray | None = None, v_heads: int | None = None) -> GQACase:
    rng = np.random.default_rng(seed)
    return GQACase(rng.normal(size=(*batch, h, n_q, d)), rng.normal(size=(*batch, h_kv, n_k, d)),
                   rng.normal(size=(*batch, h_kv if v_heads is None else v_heads, n_k, d_v)), mask)


def _gqa_cases(hidden: bool) -> tuple[list[GQACase], list[GQACase]]:
    """(cases to attend, cases that must raise ValueError)."""
    if hidden:
        cases = hidden_cases("generation")
        return cases.gqa_cases(), cases.bad_gqa_cases()
    causal = np.tril(np.ones((4, 4), dtype=bool))
    return ([gqa_case((), 4, 2, 3, 3, 4, 4, seed=91), gqa_case((2,), 4, 1, 4, 4, 2, 3, seed=92, mask=causal)],
            [gqa_case((), 4, 3, 2, 2, 2, 2, seed=93)])


def _tile(K: np.ndarray, group: int) -> np.ndarray:
    return np.concatenate([K] * group, axis=-3)      # head i reads kv head i % h_kv


def _gqa_extra(case: GQACase, att: Attention) -> Diagnoses:
    g, Q = case.group, case.Q
    d = np.sqrt(Q.shape[-1])
    K_tiled = _tile(case.K, g)

    def weights(K: np.ndarray) -> np.ndarray | None:
        return attempt(lambda: att.softmax(Q @ np.swapaxes(K, -1, -2) / d))

    found: Diagnoses = []
    if g > 1 and case.K.shape[-3] > 1:
        found.append((weights(K_tiled),
                      "The key/value heads were repeated as a block (np.tile, or concatenating copies), so "
                      "query head i reads key/value head i % h_kv. Each key/value head serves a group of "
                      "h / h_kv neighbouring query heads: head i reads kv head i // (h / h_kv), which "
                      "np.repeat(K, h // h_kv, axis=-3) gives."))
    return [(w, m) for w, m in found if w is not None]


def _check_value_error(fn: Callable, name: str, args: dict[str, Any], why: str, forbidden: dict[str, str]) -> None:
    """``fn`` must refuse these arguments with ValueError."""
    __tracebackhide__ = True
    label = f"{name}({', '.join(f'{k} of shape {np.shape(v)}' for k, v in args.items())})"
    errors.must_raise_value_error(
        lambda: call_student(fn, name, *args.values(), forbidden=forbidden, label=label),
        label, why, numpy_error="error", numpy_signs=("could not be broadcast", "reshape", "matmul"),
        own_error_fix="Check the head counts first and raise ValueError with a message that says what "
                      "is wrong.",
        returned_fix="Raise ValueError.")


@guarded
def check_grouped_query_attention(grouped_query_attention: Callable, hidden: bool = False) -> None:
    """Check ``grouped_query_attention(Q, K, V, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    cases, bad = _gqa_cases(hidden)
    for case in cases:
        g = case.group
        att = Attention(case.Q, np.repeat(case.K, g, axis=-3), np.repeat(case.V, g, axis=-3), case.mask)
        grade_pair(grouped_query_attention, "grouped_query_attention", {"Q": case.Q, "K": case.K, "V": case.V},
                   att, forbidden=FORBIDDEN["grouped_query_attention"],
                   weight_diagnoses=weight_diagnoses(att, extra=_gqa_extra(case, att)),
                   weights_hint="The weights have one row per query of each query head: "
                                "(..., h, n_q, n_k).",
                   output_hint="The output has one row per query of each query head: (..., h, n_q, d_v).",
                   shapes_hint="K and V have h_kv heads on axis -3; repeat each h // h_kv times along that "
                               "axis (np.repeat) so that they line up with Q's h heads, then attend.")
    for case in bad:
        h, k, v = case.Q.shape[-3], case.K.shape[-3], case.V.shape[-3]
        why = (f"K has {k} heads and V has {v}: they must have the same number" if k != v else
               f"{h} query heads cannot be shared out among {k} key/value heads ({k} does not divide {h})")
        _check_value_error(grouped_query_attention, "grouped_query_attention",
                           {"Q": case.Q, "K": case.K, "V": case.V}, why,
                           FORBIDDEN["grouped_query_attention"])


# =========================================================================== decode_step

@dataclass
class StepCase:
    """decode_step's inputs: x (..., d_model), K_cache, V_cache (..., h_kv, t, d_head), W_q, W_o
    (d_model, d_model), W_k, W_v (d_model, h_kv * d_head), num_heads."""

    x: np.ndarray
    K_cache: np.ndarray
    V_cache: np.ndarray
    W_q: np.ndarray
    W_k: np.ndarray
    W_v: np.ndarray
    W_o: np.ndarray
    num_heads: int

    def args(self) -> dict[str, Any]:
        return {"x": self.x, "K_cache": self.K_cache, "V_cache": self.V_cache, "W_q": self.W_q,
                "W_k": self.W_k, "W_v": self.W_v, "W_o": self.W_o, "num_heads": self.num_heads}


def step_case(batch: tuple[int, ...], t: int, d_model: int, num_heads: int, num_kv_heads: int, seed: int) -> StepCase:
    """The step after ``t`` tokens: the caches hold their real keys and values (computed from random
    earlier tokens with the same weights), so each step is checked on its own."""
    rng = np.random.default_rng(seed)
    d_head = d_model // num_heads
    W_q, W_o = (rng.normal(size=(d_model, d_model)) / np.sqrt(d_model) for _ in range(2))
    W_k, W_v = (rng.normal(size=(d_model, num_kv_heads * d_head)) / np.sqrt(d_model) for _ in range(2))
    past = rng.normal(size=(*batch, t, d_model))
    K = split_heads(past @ W_k, num_kv_heads)
    V = split_heads(past @ W_v, num_kv_heads)
    return StepCase(rng.normal(size=(*batch, d_model)), K, V, W_q, W_k, W_v, W_o, num_heads)


def _step_cases(hidden: bool) -> list[StepCase]:
    if hidden:
        return hidden_cases("generation").step_cases()
    return [step_case((), 3, 8, 2, 2, seed=94), step_case((), 0, 6, 3, 3, seed=95),
            step_case((2,), 4, 8, 4, 2, seed=96)]


@np.errstate(all="ignore")
def _step_diagnoses(case: StepCase) -> Diagnoses:
    """Wrong outputs y of the typical mistakes."""
    x = np.asarray(case.x, dtype=float)[..., None, :]
    kv = case.K_cache.shape[-3]
    h = case.num_heads
    g = h // kv
    k_new, v_new = split_heads(x @ case.W_k, kv), split_heads(x @ case.W_v, kv)
    K = np.concatenate([case.K_cache, k_new], axis=-2)
    V = np.concatenate([case.V_cache, v_new], axis=-2)
    q = split_heads(x @ case.W_q, h)
    d = q.shape[-1]

    def attend(q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float = np.sqrt(d), W_o: bool = True,
               tile: bool = False) -> np.ndarray | None:
        def run() -> np.ndarray:
            Kr, Vr = (_tile(K, g), _tile(V, g)) if tile else (np.repeat(K, g, axis=-3), np.repeat(V, g, axis=-3))
            s = q @ np.swapaxes(Kr, -1, -2) / scale
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            out = merge_heads((w / w.sum(axis=-1, keepdims=True)) @ Vr)
            return (out @ case.W_o if W_o else out)[..., 0, :]
        return attempt(run)

    t = case.K_cache.shape[-2]
    found: Diagnoses = [
        (attend(q, case.K_cache, case.V_cache) if t > 0 else None,
         "The new token attends only to the cached tokens, not to itself: append its key and value to "
         "the caches first, then attend over all t + 1 of them."),
        (attend(q, k_new, v_new) if t > 0 else None,
         "The new token attends only to itself: its query must meet every cached key as well (the "
         "cache plus the new key, t + 1 keys in all)."),
        (attend(q, K, V, scale=1.0),
         "The scores are not scaled: divide them by sqrt(d_head), the size of one head's query."),
        (attend(q, K, V, scale=np.sqrt(x.shape[-1])) if x.shape[-1] != d else None,
         "The scores are divided by sqrt(d_model): divide them by sqrt(d_head), the size of one head."),
        (attend(q, K, V, W_o=False),
         "W_o is missing: after merging the heads, the output is multiplied by W_o."),
        (attend(q, K, V, tile=True) if g > 1 and kv > 1 else None,
         "The key/value heads were repeated as a block (np.tile), so query head i reads kv head "
         "i % h_kv. Query head i reads kv head i // (h / h_kv): np.repeat on the head axis."),
    ]
    return [(w, m) for w, m in found if w is not None]


@guarded
def check_decode_step(decode_step: Callable, hidden: bool = False) -> None:
    """Check ``decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads)`` -> (y, K, V)."""
    __tracebackhide__ = True
    for case in _step_cases(hidden):
        y_exp, K_exp, V_exp = generation.cached_step(case.x, case.K_cache, case.V_cache, case.W_q, case.W_k,
                                                     case.W_v, case.W_o, case.num_heads)
        t = case.K_cache.shape[-2]
        label = (f"decode_step(x of shape {np.shape(case.x)}, K_cache and V_cache of shape "
                 f"{np.shape(case.K_cache)} (t = {t}), num_heads={case.num_heads})")
        returned = call_student(decode_step, "decode_step", *case.args().values(),
                                forbidden=FORBIDDEN["decode_step"], label=label)
        if not isinstance(returned, tuple) or len(returned) != 3:
            fail(f"{label} returned {type(returned).__name__}"
                 f"{f' of {len(returned)} items' if isinstance(returned, (tuple, list)) else ''}: it returns "
                 "three things, (y, K_cache, V_cache): the new token's output and the two caches with its "
                 "key and value appended.")
        y, K, V = (to_array(r, f"{label}[{i}]") for i, r in enumerate(returned))
        for name, got, want in (("K_cache", K, K_exp), ("V_cache", V, V_exp)):
            if got.shape == np.shape(case.K_cache if name == "K_cache" else case.V_cache):
                fail(f"{label} returned a {name} of the same shape it was given, {got.shape}: append the new "
                     f"token's {name[0]} to it along the token axis (-2), so that it holds t + 1 = {t + 1} "
                     "tokens.")
            old = case.K_cache if name == "K_cache" else case.V_cache
            check_close(got, want, f"{label}'s {name}", rtol=1e-6, atol=1e-9,
                        diagnoses=[(attempt(lambda: np.concatenate([want[..., t:, :], old], axis=-2)),
                                    f"The new token's {name[0]} was put before the cached ones: append it "
                                    "at the end, so that position t holds token t.")],
                        shape_hint=f"The cache has one row per token on axis -2, per key/value head: "
                                   f"(..., h_kv, t + 1, d_head) = {want.shape}.")
        check_close(y, y_exp, f"{label}'s y", rtol=1e-6, atol=1e-9, diagnoses=_step_diagnoses(case),
                    shape_hint="y is the new token's attention output, one vector of d_model numbers per "
                               "sequence: the shape of x.")


# =========================================================================== kv_cache_bytes

@dataclass
class BytesCase:
    layers: int
    kv_heads: int
    d_head: int
    tokens: int
    batch: int | None = None
    bytes_per_number: int | None = None

    def kwargs(self) -> dict[str, int]:
        return {k: v for k, v in (("batch", self.batch), ("bytes_per_number", self.bytes_per_number)) if v is not None}

    @property
    def expected(self) -> int:
        return generation.kv_cache_bytes(self.layers, self.kv_heads, self.d_head, self.tokens, **self.kwargs())


def _bytes_cases(hidden: bool) -> list[BytesCase]:
    if hidden:
        return hidden_cases("generation").bytes_cases()
    return [BytesCase(2, 4, 16, 100, batch=3, bytes_per_number=8), BytesCase(12, 12, 64, 1024)]


def _bytes_diagnoses(case: BytesCase) -> Diagnoses:
    n = case.expected
    batch = 1 if case.batch is None else case.batch
    per = 2 if case.bytes_per_number is None else case.bytes_per_number
    found = [
        (n // 2, "The factor 2 is missing: the cache holds a key AND a value for every token, head and layer."),
        (n * 8, "This counts bits: bytes_per_number is already in bytes (2 for float16 or bfloat16)."),
        (n // per, "bytes_per_number is missing: this counts numbers, not bytes."),
        (n // case.layers if case.layers > 1 else None,
         "The number of layers is missing: every layer keeps its own keys and values."),
        (n // batch if batch > 1 else None,
         "The batch is missing: every sequence of the batch has its own cache."),
        (n // per * 2 if per != 2 else None,
         "bytes_per_number was ignored (2 bytes assumed): use the argument; only its default is 2."),
    ]
    return [(np.float64(w), m) for w, m in found if w is not None and w != n]


@guarded
def check_kv_cache_bytes(kv_cache_bytes: Callable, hidden: bool = False) -> None:
    """Check ``kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2)`` -> int.
    The four sizes go by position (a student's own parameter names do not matter), the two
    options by name."""
    __tracebackhide__ = True
    for case in _bytes_cases(hidden):
        shown = ", ".join([f"layers={case.layers}", f"kv_heads={case.kv_heads}", f"d_head={case.d_head}",
                           f"tokens={case.tokens}"] + [f"{k}={v}" for k, v in case.kwargs().items()])
        label = f"kv_cache_bytes({shown})"
        returned = call_student(kv_cache_bytes, "kv_cache_bytes", case.layers, case.kv_heads, case.d_head,
                                case.tokens, forbidden=FORBIDDEN["kv_cache_bytes"], label=label, **case.kwargs())
        check_close(to_array(returned, label), np.float64(case.expected), label, rtol=0.0, atol=0.5,
                    diagnoses=_bytes_diagnoses(case),
                    shape_hint="It returns one number of bytes (an int), not an array.")


def _grouped_query_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None = None):
    return generation.grouped_query_attention(Q, K, V, mask)


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'grouped_query_attention': check_grouped_query_attention,
    'decode_step': check_decode_step,
    'kv_cache_bytes': check_kv_cache_bytes,
}

#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'grouped_query_attention': _grouped_query_attention,
    'decode_step': generation.cached_step,
    'kv_cache_bytes': generation.kv_cache_bytes,
}


#: The questions of part 4 (see questions.py); their keys are in qkv_grader.hidden.generation.KEYS.
QUESTIONS = question_checks(
    "generation",
    Question("cache_size", (
        Part("per_token", "int", "the cache's bytes per token of one sequence, all layers",
             low=0, high=10**12),
        Part("total_gib", "number", "the cache of the whole batch in GiB, to 3 decimals"),
        Part("mha_gib", "number", "the same with ordinary multi-head attention, in GiB, to 3 decimals"))),
    Question("gqa_sharing", (
        Part("kv_head", "int", "the key/value head that query head 13 reads", low=0, high=7),
        Part("w_k_shape", "shape", "the shape of W_k"),
        Part("k_cache_shape", "shape", "the shape of one layer's K_cache after the step"))),
    Question("step_cost", (
        Part("with_cache", "int", "the step's dot products with a KV cache", low=0, high=10**12),
        Part("without_cache", "int", "the step's dot products without a cache", low=0, high=10**12),
        Part("whole_generation", "int", "the dot products of all 1000 steps with the cache",
             low=0, high=10**12))),
)
check_cache_size = QUESTIONS["cache_size"]
check_gqa_sharing = QUESTIONS["gqa_sharing"]
check_step_cost = QUESTIONS["step_cost"]
__all__ += ["QUESTIONS", "check_cache_size", "check_gqa_sharing", "check_step_cost"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
