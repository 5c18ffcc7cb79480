"""Checks for assignment ps08, "The transformer block".

Each ``check_*`` function takes the student's function, runs it on a set of cases (the visible
ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.block`, on the instructor's side only) and raises
:class:`~qkv_course.checks.core.FeedbackError` with a targeted message on the first problem.
Expected results come from :mod:`qkv_course.block` (and ``pretrained.layer_norm``); the
student's code may not call them.

Conventions (chapter 8's): ``layer_norm`` normalises the last axis with the biased variance and
``eps`` inside the square root; ``feed_forward`` uses the exact GELU, x Phi(x); the block is
post-norm, as MiniLM's: ``H = LN1(X + MHA(X))``, ``Y = LN2(H + FFN(H))``, with multi-head
attention from ``qkv_course.multihead.multi_head_attention`` (chapter 6, not graded here).
While ``transformer_block`` is graded, the notebook's own ``layer_norm`` and ``feed_forward`` are
swapped for the course's, so a mistake in them costs their points once.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import block
from ..multihead import multi_head_attention
from ..pretrained import layer_norm as _layer_norm
from .core import check_call, hidden_cases, reference, trusted_helpers
from .diagnoses.case import Diagnoses, attempt
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_layer_norm", "check_feed_forward", "check_transformer_block", "FORBIDDEN", "NormCase",
           "FFNCase", "BlockCase", "PARAM_KEYS", "random_params"]

_BLOCK = reference("block", "gelu", "feed_forward", "post_norm_block", "pre_norm_block", "minilm_layer")
_PRETRAINED = reference("pretrained", "layer_norm", "reproduce_attention")

#: What each graded function may not call (internal name -> name shown to the student).
#: transformer_block may call qkv_course.multihead.multi_head_attention (the notebook imports it)
#: and its own layer_norm and feed_forward, swapped for the course's (qkv_course.block.feed_forward
#: and gelu, pretrained.layer_norm) while it is graded.
FORBIDDEN: dict[str, dict[str, str]] = {
    "layer_norm": {**_BLOCK, **_PRETRAINED},
    "feed_forward": {**_BLOCK, **_PRETRAINED},
    "transformer_block": {**reference("block", "post_norm_block", "pre_norm_block", "minilm_layer"),
                          **reference("pretrained", "reproduce_attention")},
}

#: The keys of transformer_block's ``params``.
PARAM_KEYS = ("W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o", "ln1_gamma", "ln1_beta",
              "W1", "b1", "W2", "b2", "ln2_gamma", "ln2_beta", "num_heads", "eps")


# =========================================================================== layer_norm

@dataclass
class NormCase:
    """Arguments of layer_norm: X (..., d), gamma, beta (d,); ``eps`` None = left at 1e-5."""

    X: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    eps: float | None = None

    @property
    def used_eps(self) -> float:
        return 1e-5 if self.eps is None else float(self.eps)


def _norm_cases(hidden: bool) -> list[NormCase]:
    if hidden:
        return hidden_cases("block").norm_cases()
    rng = np.random.default_rng(81)
    X = np.array([[1.0, 2.0, 3.0, 6.0], [0.5, -0.5, 1.5, 2.5], [2.0, 2.0, 2.0, 2.0]])
    return [NormCase(X, np.ones(4), np.zeros(4)),
            NormCase(rng.normal(size=(2, 3, 5)), rng.normal(size=5), rng.normal(size=5), eps=1e-3)]


@np.errstate(all="ignore")
def _norm(X: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float, *, axis: Any = -1, ddof: int = 0,
          eps_outside: bool = False, center: bool = True, divide_by_variance: bool = False) -> np.ndarray:
    """LayerNorm with one of the classic mistakes switched on."""
    X = np.asarray(X, dtype=float)
    mu = X.mean(axis=axis, keepdims=True)
    with warnings.catch_warnings():      # ddof=1 with one feature: numpy warns, the result is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        var = X.var(axis=axis, keepdims=True, ddof=ddof)
    scale = (var + eps) if divide_by_variance else (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
    return ((X - mu) if center else X) / scale * gamma + beta


def _norm_diagnoses(case: NormCase) -> Diagnoses:
    X, g, b, eps = np.asarray(case.X, dtype=float), case.gamma, case.beta, case.used_eps
    found: Diagnoses = [
        (_norm(X, g, b, eps, axis=-2) if X.ndim >= 2 and X.shape[-2] > 1 else None,
         "It normalises each feature across the tokens (axis -2). LayerNorm normalises each token "
         "across its features: mean and variance over the last axis, X.mean(axis=-1, keepdims=True)."),
        (_norm(X, g, b, eps, axis=None),
         "It takes one mean and one variance over the whole array. LayerNorm normalises every token "
         "on its own: mean and variance over the last axis only."),
        (_norm(X, g, b, eps, ddof=1),
         "It uses the unbiased variance (dividing by d - 1, ddof=1). LayerNorm divides by d: the "
         "biased variance, np.var's default, as torch's LayerNorm does."),
        (_norm(X, g, b, eps, eps_outside=True),
         "eps is added to the standard deviation. It goes inside the square root: "
         "(X - mean) / sqrt(variance + eps)."),
        (_norm(X, g, b, eps, divide_by_variance=True),
         "It divides by the variance. Divide by the standard deviation, sqrt(variance + eps)."),
        (_norm(X, b, g, eps) if g.shape == b.shape else None,
         "gamma and beta are swapped: multiply the normalised vector by gamma, then add beta."),
        (_norm(X, np.ones_like(g), np.zeros_like(b), eps),
         "The result is normalised but not scaled and shifted: multiply by gamma and add beta."),
        (_norm(X, g, b, eps, center=False),
         "The mean is not subtracted: (X - mean) / sqrt(variance + eps), then gamma and beta."),
    ]
    if case.eps is not None:
        found.append((_norm(X, g, b, 1e-5),
                      f"This is the result for eps = 1e-5, but this call passed eps={case.eps:g}: use the "
                      "eps argument."))
    return [(wrong, message) for wrong, message in found if wrong is not None]


_CONSTANT_ROW = ("A token whose features are all equal has variance 0: eps inside the square root, "
                 "sqrt(variance + eps), keeps the division finite (its normalised features are 0).")


@guarded
def check_layer_norm(layer_norm: Callable, hidden: bool = False) -> None:
    """Check ``layer_norm(X, gamma, beta, eps=1e-5)`` -> (..., d)."""
    __tracebackhide__ = True
    for case in _norm_cases(hidden):
        expected = _layer_norm(np.asarray(case.X, dtype=float), case.gamma, case.beta, case.used_eps)
        kwargs = {} if case.eps is None else {"eps": case.eps}
        check_call(layer_norm, "layer_norm", {"X": case.X, "gamma": case.gamma, "beta": case.beta},
                   expected, kwargs=kwargs, forbidden=FORBIDDEN["layer_norm"], rtol=1e-6, atol=1e-8,
                   diagnoses=_norm_diagnoses(case), finite_hint=_CONSTANT_ROW,
                   shape_hint="LayerNorm keeps the shape of X: (..., d).")


# =========================================================================== feed_forward

@dataclass
class FFNCase:
    """Arguments of feed_forward: X (..., d_model), W1 (d_model, d_ff), b1 (d_ff,),
    W2 (d_ff, d_model), b2 (d_model,)."""

    X: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


def ffn_case(shape: tuple[int, ...], d_ff: int, seed: int, scale: float = 1.0) -> FFNCase:
    """Random inputs of feed_forward: X of ``shape`` (last axis d_model), hidden width d_ff."""
    rng = np.random.default_rng(seed)
    d = shape[-1]
    return FFNCase(scale * rng.normal(size=shape), rng.normal(size=(d, d_ff)) / math.sqrt(d),
                   rng.normal(size=d_ff), rng.normal(size=(d_ff, d)) / math.sqrt(d_ff), rng.normal(size=d))


def _ffn_cases(hidden: bool) -> list[FFNCase]:
    if hidden:
        return hidden_cases("block").ffn_cases()
    return [ffn_case((3, 4), 8, seed=82), ffn_case((2, 2, 3), 12, seed=83)]


@np.errstate(all="ignore")
def _ffn_diagnoses(case: FFNCase) -> Diagnoses:
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (case.X, case.W1, case.b1, case.W2, case.b2))
    pre = X @ W1 + b1
    tanh_gelu = 0.5 * pre * (1 + np.tanh(math.sqrt(2 / math.pi) * (pre + 0.044715 * pre ** 3)))
    gelu = block.gelu
    return [
        (np.maximum(pre, 0) @ W2 + b2,
         "It uses ReLU, max(x, 0). This problem set's network uses GELU, x Phi(x) = "
         "x/2 (1 + erf(x / sqrt 2)), as BERT and MiniLM do."),
        (tanh_gelu @ W2 + b2,
         "It uses GELU's tanh approximation (GPT-2's 'gelu_new'), which differs from the exact GELU "
         "by up to about 1e-3: use x/2 (1 + erf(x / sqrt 2)), as MiniLM does."),
        (pre * (1 / (1 + np.exp(-1.702 * pre))) @ W2 + b2,
         "It uses the sigmoid approximation x sigmoid(1.702 x): use the exact GELU, "
         "x/2 (1 + erf(x / sqrt 2))."),
        (0.5 * pre * (1 + np.vectorize(math.erf, otypes=[float])(pre)) @ W2 + b2,
         "GELU's erf takes x / sqrt 2: GELU(x) = x/2 (1 + erf(x / sqrt 2)), the normal distribution "
         "function at x; erf(x) alone gives the distribution function at x sqrt 2."),
        (gelu(gelu(pre) @ W2 + b2),
         "GELU is applied after the second layer too: the network is GELU(X W1 + b1) W2 + b2, with "
         "no activation on its output."),
        (gelu(pre @ W2 + b2) if W1.shape[1] == W2.shape[0] else None,
         "The activation is in the wrong place: apply GELU to the hidden layer, X W1 + b1, then "
         "multiply by W2 and add b2."),
        (gelu(X @ W1) @ W2 + b2,
         "b1 is missing: the hidden layer is X W1 + b1, before GELU."),
        (gelu(pre) @ W2,
         "b2 is missing: add it after multiplying by W2."),
        (pre @ W2 + b2,
         "There is no activation: without GELU between them the two layers are one linear map."),
    ]


@guarded
def check_feed_forward(feed_forward: Callable, hidden: bool = False) -> None:
    """Check ``feed_forward(X, W1, b1, W2, b2)`` -> (..., d_model)."""
    __tracebackhide__ = True
    for case in _ffn_cases(hidden):
        expected = block.feed_forward(case.X, case.W1, case.b1, case.W2, case.b2)
        check_call(feed_forward, "feed_forward",
                   {"X": case.X, "W1": case.W1, "b1": case.b1, "W2": case.W2, "b2": case.b2},
                   expected, forbidden=FORBIDDEN["feed_forward"], rtol=1e-6, atol=1e-8,
                   diagnoses=[(w, m) for w, m in _ffn_diagnoses(case) if w is not None],
                   shape_hint="The network maps each token's vector back to d_model numbers: the result "
                              "has the shape of X, (..., d_model).")


# =========================================================================== transformer_block

def random_params(d_model: int, num_heads: int, d_ff: int, seed: int, eps: float = 1e-5) -> dict[str, Any]:
    """A block's parameters with random values (see :data:`PARAM_KEYS`)."""
    rng = np.random.default_rng(seed)

    def w(rows: int, cols: int) -> np.ndarray:
        return rng.normal(size=(rows, cols)) / math.sqrt(rows)

    p: dict[str, Any] = {}
    for name in ("q", "k", "v", "o"):
        p[f"W_{name}"], p[f"b_{name}"] = w(d_model, d_model), 0.1 * rng.normal(size=d_model)
    p["ln1_gamma"], p["ln1_beta"] = 1 + 0.2 * rng.normal(size=d_model), 0.1 * rng.normal(size=d_model)
    p["W1"], p["b1"], p["W2"], p["b2"] = w(d_model, d_ff), 0.1 * rng.normal(size=d_ff), w(d_ff, d_model), \
        0.1 * rng.normal(size=d_model)
    p["ln2_gamma"], p["ln2_beta"] = 1 + 0.2 * rng.normal(size=d_model), 0.1 * rng.normal(size=d_model)
    p["num_heads"], p["eps"] = int(num_heads), float(eps)
    return p


@dataclass
class BlockCase:
    """Arguments of transformer_block: X (..., n, d_model), params (:data:`PARAM_KEYS`), mask
    (None or bool, True = may attend, as multi_head_attention takes it); ``atol``: the tolerance;
    ``extra``: facts the tests check about the case (e.g. the real model's own output)."""

    X: np.ndarray
    params: dict[str, Any]
    mask: np.ndarray | None = None
    atol: float = 1e-8
    extra: dict[str, Any] = field(default_factory=dict)


def _mha(X: np.ndarray, p: dict[str, Any], mask: np.ndarray | None) -> np.ndarray:
    out, _ = multi_head_attention(X, p["W_q"], p["W_k"], p["W_v"], p["W_o"], int(p["num_heads"]), mask,
                                  b_q=p["b_q"], b_k=p["b_k"], b_v=p["b_v"], b_o=p["b_o"])
    return out


def _ln(X: np.ndarray, p: dict[str, Any], which: int) -> np.ndarray:
    return _layer_norm(X, p[f"ln{which}_gamma"], p[f"ln{which}_beta"], float(p["eps"]))


def _ffn(X: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return block.feed_forward(X, p["W1"], p["b1"], p["W2"], p["b2"])


def expected_block(case: BlockCase) -> np.ndarray:
    """The post-norm block on ``case`` (module docstring)."""
    X, p = np.asarray(case.X, dtype=float), case.params
    H = _ln(X + _mha(X, p, case.mask), p, 1)
    return _ln(H + _ffn(H, p), p, 2)


def block_cases_visible() -> list[BlockCase]:
    rng = np.random.default_rng(84)
    X = rng.normal(size=(2, 4, 8))
    padding = np.array([[True, True, True, True], [True, True, False, False]])[:, None, :]   # (2, 1, 4)
    return [BlockCase(rng.normal(size=(3, 4)), random_params(4, 2, 16, seed=85)),
            BlockCase(X, random_params(8, 2, 32, seed=86), mask=padding)]


def _block_cases(hidden: bool) -> list[BlockCase]:
    return hidden_cases("block").block_cases() if hidden else block_cases_visible()


def _block_diagnoses(case: BlockCase) -> Diagnoses:
    X, p, mask = np.asarray(case.X, dtype=float), case.params, case.mask
    A = _mha(X, p, mask)
    H = _ln(X + A, p, 1)
    found: Diagnoses = [
        (attempt(lambda: (lambda H0: _ln(H0 + _ffn(H0, p), p, 2))(_ln(A, p, 1))),
         "The attention sublayer has no residual connection: its LayerNorm takes X + attention(X), "
         "not attention(X) alone."),
        (_ln(_ffn(H, p), p, 2),
         "The feed-forward sublayer has no residual connection: the last LayerNorm takes "
         "H + feed_forward(H), not feed_forward(H) alone."),
        (_ffn(H, p) + H,
         "The last LayerNorm is missing: the block ends with LN2(H + feed_forward(H))."),
        (attempt(lambda: (lambda H0: H0 + _ffn(_ln(H0, p, 2), p))(X + _mha(_ln(X, p, 1), p, mask))),
         "This is a pre-norm block (LayerNorm before each sublayer, X + attention(LN1(X))). This "
         "problem set's block is post-norm, as MiniLM's: H = LN1(X + attention(X)), then "
         "Y = LN2(H + feed_forward(H))."),
        (attempt(lambda: (lambda H0: _ln(H0 + _ffn(H0, p), p, 1))(_ln(X + A, p, 2))),
         "The two LayerNorms are swapped: ln1_gamma and ln1_beta belong to the LayerNorm after "
         "attention, ln2_* to the one after the feed-forward network."),
        (attempt(lambda: (lambda H0: H0 + _ln(_ffn(H0, p), p, 2))(X + _ln(A, p, 1))),
         "The residual is added after the LayerNorm (X + LN1(attention(X))): in a post-norm block the "
         "LayerNorm comes after the sum, LN1(X + attention(X))."),
    ]
    if mask is not None:
        found.append((attempt(lambda: expected_block(BlockCase(X, p, None))),
                      "The mask was not used: pass it to multi_head_attention, so that no token attends "
                      "to padding."))
    return [(w, m) for w, m in found if w is not None]


@guarded
def check_transformer_block(transformer_block: Callable, hidden: bool = False) -> None:
    """Check ``transformer_block(X, params, mask=None)`` -> (..., n, d_model)."""
    __tracebackhide__ = True
    for case in _block_cases(hidden):
        kwargs = {} if case.mask is None else {"mask": case.mask}
        check_call(transformer_block, "transformer_block", {"X": case.X, "params": case.params},
                   expected_block(case), kwargs=kwargs, forbidden=FORBIDDEN["transformer_block"],
                   rtol=1e-6, atol=case.atol, diagnoses=_block_diagnoses(case),
                   shape_hint="A block maps X to a matrix of the same shape: (..., n, d_model).",
                   context=trusted_helpers(transformer_block, {"layer_norm": _layer_norm_default,
                                                               "feed_forward": block.feed_forward}))


def _layer_norm_default(X: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """The reference of layer_norm, with the notebook's signature (eps defaults to 1e-5)."""
    return _layer_norm(np.asarray(X, dtype=float), gamma, beta, eps)


def _transformer_block(X: np.ndarray, params: dict[str, Any], mask: np.ndarray | None = None) -> np.ndarray:
    """The reference of transformer_block."""
    return expected_block(BlockCase(X, params, mask))


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'layer_norm': check_layer_norm,
    'feed_forward': check_feed_forward,
    'transformer_block': check_transformer_block,
}

#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'layer_norm': _layer_norm_default,
    'feed_forward': block.feed_forward,
    'transformer_block': _transformer_block,
}


#: The questions of part 4 (see questions.py); their keys are in qkv_grader.hidden.block.KEYS.
QUESTIONS = question_checks(
    "block",
    Question("layer_norm_token", (
        Part("means", "int", "how many means layer_norm computes for X of shape (2, 6, 4)",
             low=0, high=10**6),
        Part("variance", "number", "the variance LayerNorm uses for the token x, to 3 decimals"),
        Part("output", "numbers", "the 4 numbers of LN(x), each to 3 decimals", length=4))),
    Question("ffn_parameters", (
        Part("ffn", "int", "the feed-forward network's parameters, weights and biases", low=0, high=10**9),
        Part("block", "int", "the whole block's parameters", low=0, high=10**9))),
    Question("norm_placement", (
        Part("post_norm", "number", "a token vector's norm after 8 post-norm blocks, to 3 decimals"),
        Part("pre_norm", "number", "its norm after 8 pre-norm blocks, to 3 decimals"),
        Part("additions_only", "choice",
             "the arrangement whose path back to the first block is additions only",
             choices=("a", "b", "c", "d")))),
)
check_layer_norm_token = QUESTIONS["layer_norm_token"]
check_ffn_parameters = QUESTIONS["ffn_parameters"]
check_norm_placement = QUESTIONS["norm_placement"]
__all__ += ["QUESTIONS", "check_layer_norm_token", "check_ffn_parameters", "check_norm_placement"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
