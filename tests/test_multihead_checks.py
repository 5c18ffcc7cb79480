"""Unit tests of the ps06 checks: correct answers in several styles pass, each known mistake gets its
targeted message, multi_head_attention is graded with trusted split/merge helpers, and the torch
layer is graded through its documented layout (W_q, W_k, W_v, W_o as nn.Linear with biases)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from qkv_course import multihead
from qkv_course.checks import FeedbackError, multihead as checks
from qkv_course.checks.core import Raised
from qkv_course.nn import MultiHeadAttention as ReferenceLayer


# =========================================================================== correct answers

def split_heads(X, num_heads):
    *batch, n, d = X.shape
    if d % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return np.swapaxes(X.reshape(*batch, n, num_heads, d // num_heads), -3, -2)


def merge_heads(X):
    *batch, h, n, d = X.shape
    return np.swapaxes(X, -3, -2).reshape(*batch, n, h * d)


def _softmax(scores, allowed):
    s = np.where(allowed, scores, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(s - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def _allowed(X, mask, shape, heads_axis=True):
    if mask is None:
        return np.ones(shape, dtype=bool)
    n = X.shape[-2]
    m = np.broadcast_to(mask, X.shape[:-2] + (n, n))
    return np.broadcast_to(m[..., None, :, :] if heads_axis else mask, shape)


def _mha(change=lambda name, value: value):
    """A correct multi_head_attention with hooks: change(step, value) -> value."""
    def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        split = change("split", split_heads)
        Q, K, V = (split(X @ W, num_heads) for W in (W_q, W_k, W_v))
        d = change("d", Q.shape[-1])
        scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
        allowed = change("allowed", _allowed(X, mask, scores.shape))
        weights = change("weights", _softmax(scores, allowed))
        merged = change("merge", merge_heads)(weights @ V)
        return change("result", (merged @ change("W_o", W_o), weights))
    return multi_head_attention


def _step(step, fn):
    return _mha(lambda name, value: fn(value) if name == step else value)


def einsum_mha(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    d = X.shape[-1] // num_heads
    Q, K, V = (np.einsum("...nd,dhe->...hne", X, W.reshape(X.shape[-1], num_heads, d))
               for W in (W_q, W_k, W_v))
    s = np.einsum("...hqe,...hke->...hqk", Q, K) / math.sqrt(d)
    w = _softmax(s, _allowed(X, mask, s.shape))
    return np.einsum("...hqe,hef->...qf", w @ V, W_o.reshape(num_heads, d, -1)), w


class Layer(nn.Module):
    """A correct layer; ``options`` switch on one mistake at a time."""

    options: dict = {}

    def __init__(self, d_model, num_heads):
        super().__init__()
        o = self.options
        self.h = num_heads
        d_out = d_model // num_heads if o.get("per_head") else d_model
        bias = not o.get("no_bias")
        self.W_q = nn.Linear(d_model, d_out, bias=bias)
        self.W_k = nn.Linear(d_model, d_out, bias=bias)
        self.W_v = nn.Linear(d_model, d_out, bias=bias)
        self.W_o = nn.Linear(d_model, d_model, bias=bias)
        if o.get("extra"):
            self.temperature = nn.Parameter(torch.ones(1))
        if o.get("double"):
            self.double()

    def forward(self, X, mask=None):
        o = self.options
        *batch, n, d = X.shape
        h = self.h
        if o.get("no_transpose"):
            def split(A):
                return A.reshape(*batch, h, n, d // h)
        else:
            def split(A):
                return A.reshape(*batch, n, h, d // h).transpose(-3, -2)
        Q, K, V = split(self.W_q(X)), split(self.W_k(X)), split(self.W_v(X))
        s = Q @ K.transpose(-1, -2) / math.sqrt(d if o.get("sqrt_d_model") else d // h)
        if mask is not None:
            m = mask if o.get("no_heads_axis") else mask.unsqueeze(-3)
            s = s.masked_fill(m if o.get("torch_convention") else ~m, float("-inf"))
        if o.get("torch_softmax"):
            w = torch.softmax(s, dim=-1)
        else:
            e = torch.exp(s if o.get("naive") else s - s.amax(-1, keepdim=True))
            w = e / e.sum(-1, keepdim=True)
        heads = (w @ V).transpose(-3, -2).reshape(*batch, n, d)
        if o.get("detach"):
            heads = heads.detach()
        out = heads if o.get("no_W_o") else self.W_o(heads)
        weights = w if o.get("per_head_weights") else w.mean(-3)
        return (weights, out) if o.get("swapped") else (out, weights)


def _layer(**options):
    return type("MultiHeadAttention", (Layer,), {"options": options})


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden):
    checks.check_split_heads(split_heads, hidden)
    checks.check_merge_heads(merge_heads, hidden)
    checks.check_multi_head_attention(_mha(), hidden)
    checks.check_multi_head_attention(einsum_mha, hidden)
    checks.check_multihead_layer(_layer(), hidden)


def test_reference_and_a_plain_answer_agree_on_every_case():
    """The reference multi_head_attention and an independent numpy answer agree on every case, so
    the expected values the checks use are right."""
    for hidden in (False, True):
        for case in checks._mha_cases(hidden):
            out, w = multihead.multi_head_attention(case.X, *case.W, case.num_heads, case.mask)
            ours, ours_w = _mha()(case.X, *case.W, case.num_heads, case.mask)
            assert np.allclose(out, ours) and np.allclose(w, ours_w)


def test_calling_the_reference_is_caught():
    def calls_reference(X, num_heads):
        return multihead.split_heads(X, num_heads)

    with pytest.raises(FeedbackError, match="calls qkv_course.multihead.split_heads"):
        checks.check_split_heads(calls_reference)

    class Wraps(ReferenceLayer):
        pass

    with pytest.raises(FeedbackError, match="inherits from the course's"):
        checks.check_multihead_layer(Wraps)


def test_hidden_cases_cover_batch_axes_masks_and_odd_sizes():
    cases = checks._mha_cases(hidden=True)
    assert {c.X.ndim for c in cases} == {2, 3, 4}
    assert {c.num_heads for c in cases} >= {1, 2, 4, 6}
    assert any(c.X.shape[-2] == 1 for c in cases)
    assert any(c.X.shape[-1] == c.num_heads for c in cases)                    # d_head = 1
    masks = [c.mask for c in cases if c.mask is not None]
    # the masks the task names, (n, n) and (b, 1, n), and a (1, n) key mask; never a (n,) mask,
    # which the task does not mention and a natural mask[..., None, :, :] cannot index
    assert {m.ndim for m in masks} == {2, 3}
    assert any(m.shape[-2] == 1 and m.ndim == 2 for m in masks)
    assert any((~m).all(axis=-1).any() for m in masks)                        # a query with no key
    assert any(np.abs(c.X).max() > 100 for c in cases)
    splits, errors = checks._split_cases(hidden=True)
    assert {c.X.ndim for c in splits} == {2, 3, 4} and len(errors) >= 2
    assert any(c.X.shape[-2] == c.num_heads for c in splits)


# =========================================================================== split_heads / merge_heads

def _split_noT(X, num_heads):
    *b, n, d = X.shape
    return X.reshape(*b, num_heads, n, d // num_heads)


def _split_interleaved(X, num_heads):
    *b, n, d = X.shape
    return np.moveaxis(X.reshape(*b, n, d // num_heads, num_heads), -1, -3)


def _split_2d(X, num_heads):
    n, d = X.shape
    if d % num_heads:
        raise ValueError("no")
    return X.reshape(n, num_heads, d // num_heads).transpose(1, 0, 2)


def _split_type_error(X, num_heads):
    if X.shape[-1] % num_heads:
        raise TypeError("bad number of heads")
    return split_heads(X, num_heads)


@pytest.mark.parametrize("fn, message", [
    (_split_noT, "tokens and heads are mixed up"),
    (_split_interleaved, "(every num_heads-th one)"),
    (lambda X, num_heads: split_heads(X, num_heads)[..., ::-1, :, :], "reverse order"),
    (lambda X, num_heads: np.swapaxes(split_heads(X, num_heads), -3, -2), "the heads axis must come before"),
    (lambda X, num_heads: np.swapaxes(split_heads(X, num_heads), -1, -2), "Each head is transposed"),
    (lambda X, num_heads: X, "It has the shape of X itself"),
    (_split_2d, "1 leading batch axis in front of (n, d_model)"),
    (lambda X, num_heads: np.stack(np.array_split(X, num_heads, axis=-1)[:num_heads], axis=-3)
     if X.shape[-1] % num_heads == 0 else X[..., :0], "without complaint"),
    (_split_type_error, "raised TypeError, but d_model = 10"),
    (lambda X, num_heads: np.stack(np.split(X, num_heads, axis=-2), axis=-3),
     "The tokens were cut into num_heads groups"),
])
def test_split_heads_mistakes(fn, message):
    with pytest.raises(FeedbackError) as err:
        checks.check_split_heads(fn)
    assert message in str(err.value)


def test_split_heads_value_error_from_numpy_counts():
    """A reshape that cannot work raises numpy's own ValueError: that is a ValueError too."""
    def reshape_only(X, num_heads):
        return np.swapaxes(X.reshape(X.shape[:-1] + (num_heads, X.shape[-1] // num_heads)), -3, -2)

    checks.check_split_heads(reshape_only, hidden=True)


def _merge_2d(X):
    h, n, d = X.shape
    return X.transpose(1, 0, 2).reshape(n, h * d)


@pytest.mark.parametrize("fn, message", [
    (lambda X: X.reshape(X.shape[:-3] + (X.shape[-2], -1)), "Move the heads axis back behind the tokens"),
    (lambda X: np.moveaxis(X, -3, -1).reshape(X.shape[:-3] + (X.shape[-2], -1)), "interleaved"),
    (lambda X: merge_heads(X[..., ::-1, :, :]), "joined in reverse order"),
    (lambda X: np.swapaxes(X, -3, -2), "not yet joined"),
    (lambda X: X.reshape(X.shape[:-3] + (-1, X.shape[-1])), "stacked along the token axis"),
    (lambda X: X.sum(axis=-3), "It has one head's width"),
    (_merge_2d, "1 leading batch axis in front of (num_heads, n, d_head)"),
    (lambda X: np.concatenate(X, axis=-1), "walking along the FIRST axis of X"),
    (lambda X: np.hstack(X), "walking along the FIRST axis of X"),
])
def test_merge_heads_mistakes(fn, message):
    with pytest.raises(FeedbackError) as err:
        checks.check_merge_heads(fn)
    assert message in str(err.value)


def test_first_axis_merge_is_named_only_with_batch_axes():
    """np.concatenate(X, axis=-1) is right for (num_heads, n, d_head): its message names the batch."""
    H = multihead.split_heads(np.arange(2 * 4 * 6.0).reshape(2, 4, 6), 3)
    wrong = [m for _, m in checks._merge_diagnoses(H[0], multihead.merge_heads(H[0]))]
    assert not any("FIRST axis" in m for m in wrong)
    found = [m for _, m in checks._merge_diagnoses(H, multihead.merge_heads(H)) if "FIRST axis" in m]
    assert found and "1 leading batch axis" in found[0]


# =========================================================================== multi_head_attention

def _nan_rows(weights):
    with np.errstate(invalid="ignore"):
        return np.where((weights == 0).all(-1, keepdims=True), np.nan, weights)


def _uniform_rows(weights):
    return np.where((weights == 0).all(-1, keepdims=True), 1.0 / weights.shape[-1], weights)


def _naive_weights(allowed_fn):
    def mha(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        with np.errstate(all="ignore"):
            e = np.where(allowed_fn(X, mask, s.shape), np.exp(s), 0.0)
            w = e / e.sum(-1, keepdims=True)
        return merge_heads(w @ V) @ W_o, w
    return mha


def _inverted(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    return _mha()(X, W_q, W_k, W_v, W_o, num_heads, None if mask is None else ~mask)


def _kt(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    w = _softmax(Q @ K.T / np.sqrt(Q.shape[-1]), _allowed(X, mask, Q.shape[:-1] + (Q.shape[-2],)))
    return merge_heads(w @ V) @ W_o, w


def _loop_2d(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape
    return _mha()(X, W_q, W_k, W_v, W_o, num_heads, mask)


@pytest.mark.parametrize("fn, message, hidden", [
    (_step("W_o", lambda W: np.eye(len(W))), "before the output projection", False),
    (_step("W_o", lambda W: W.T), "transpose of the output projection", False),
    (_step("d", lambda d: d * d), "divided by d_k", False),
    (_step("result", lambda r: (r[0], r[1].mean(axis=-3))), "averaged over the heads", False),
    (_step("result", lambda r: (r[1], r[0])), "returned (weights, output)", False),
    (_step("result", lambda r: r[0]), "returned one array", False),
    (_step("merge", lambda f: (lambda H: H.reshape(H.shape[:-3] + (H.shape[-2], -1)))),
     "without moving the heads axis back", False),
    (_step("merge", lambda f: (lambda H: np.moveaxis(H, -3, -1).reshape(H.shape[:-3] + (H.shape[-2], -1)))),
     "interleaved when merging", False),
    (_step("split", lambda f: _split_noT), "Tokens and heads are mixed up", False),
    (_step("split", lambda f: _split_interleaved), "every num_heads-th feature", False),
    (_naive_weights(lambda X, m, shape: _allowed(X, m, shape)), "np.exp overflows", False),
    (_step("weights", _uniform_rows), "large negative fill value", True),
    (_step("weights", _nan_rows), "in every head, and so a zero row before W_o", True),
    (_inverted, "The mask is inverted", False),
    (_step("allowed", lambda a: np.ones_like(a)), "The mask had no effect", False),
    (_kt, "K.T reverses every axis", False),
    (_loop_2d, "1 leading batch axis", False),
])
def test_multi_head_attention_mistakes(fn, message, hidden):
    with pytest.raises(FeedbackError) as err:
        checks.check_multi_head_attention(fn, hidden)
    assert message in str(err.value)


def test_scaling_by_sqrt_d_model_is_named():
    def sqrt_d_model(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        return _step("d", lambda d: X.shape[-1])(X, W_q, W_k, W_v, W_o, num_heads, mask)

    with pytest.raises(FeedbackError, match=r"divided by sqrt\(d_model\)"):
        checks.check_multi_head_attention(sqrt_d_model)


def test_softmax_over_queries_and_over_heads_are_named():
    def over(axis):
        def mha(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
            Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
            s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
            e = np.exp(s - s.max(axis=axis, keepdims=True))
            w = e / e.sum(axis=axis, keepdims=True)
            return merge_heads(w @ V) @ W_o, w
        return mha

    with pytest.raises(FeedbackError, match=r"ran over the queries \(axis -2\)"):
        checks.check_multi_head_attention(over(-2))
    with pytest.raises(FeedbackError, match=r"ran over the heads axis \(-3\)"):
        checks.check_multi_head_attention(over(-3))


def test_mask_without_a_heads_axis_silent_and_raising():
    def no_heads_axis(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        if mask is None:
            return _mha()(X, W_q, W_k, W_v, W_o, num_heads)
        unaligned = _step("allowed", lambda a: np.broadcast_to(mask, a.shape))
        return unaligned(X, W_q, W_k, W_v, W_o, num_heads, mask)

    # visible: a (2, 1, 3) padding mask with 2 heads broadcasts silently onto the heads
    with pytest.raises(FeedbackError, match="without an axis for the heads"):
        checks.check_multi_head_attention(no_heads_axis)
    # a (3, 1, 5) mask against (3, 2, 5, 5) scores cannot broadcast: the error gets the same advice
    case = checks._mha_cases(hidden=True)[2]
    assert case.mask.shape == (3, 1, 5) and case.num_heads == 2
    heads = checks.Heads(case.X, case.X @ case.W[0], case.X @ case.W[1], case.X @ case.W[2], case.W[3], 0.0,
                       case.num_heads, case.mask)
    error = Raised("ValueError", "operands could not be broadcast together with shapes (3,1,5) (3,2,5,5)")
    hint = heads.raised_hint(error)
    assert "Give the mask an axis of length 1 for the heads" in hint


def test_single_attention_over_all_features_is_named():
    def one_head(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        output, weights = _mha()(X, W_q, W_k, W_v, W_o, 1, mask)
        return output, weights[..., 0, :, :]

    with pytest.raises(FeedbackError, match="one attention over all d_model features"):
        checks.check_multi_head_attention(one_head)


def test_own_helpers_are_replaced_while_multi_head_attention_is_graded():
    namespace = {"np": np, "split_heads": _split_noT, "merge_heads": lambda H: H.sum(-3),
                 "_softmax": _softmax, "_allowed": _allowed}
    exec("def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):\n"
         "    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))\n"
         "    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
         "    w = _softmax(s, _allowed(X, mask, s.shape))\n"
         "    return merge_heads(w @ V) @ W_o, w\n", namespace)
    wrong_split = namespace["split_heads"]
    checks.check_multi_head_attention(namespace["multi_head_attention"], hidden=True)
    assert namespace["split_heads"] is wrong_split          # restored afterwards


def test_torch_sdpa_shortcut_is_caught():
    def shortcut(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        Q, K, V = (torch.from_numpy(split_heads(X @ W, num_heads)) for W in (W_q, W_k, W_v))
        out = F.scaled_dot_product_attention(Q, K, V)
        return merge_heads(out.numpy()) @ W_o, _mha()(X, W_q, W_k, W_v, W_o, num_heads)[1]

    with pytest.raises(FeedbackError, match="calls torch.nn.functional.scaled_dot_product_attention"):
        checks.check_multi_head_attention(shortcut)


def test_torch_tensors_and_float32_are_accepted():
    def in_torch(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
        out, w = _mha()(X, W_q, W_k, W_v, W_o, num_heads, mask)
        return torch.from_numpy(out), torch.from_numpy(w)

    checks.check_multi_head_attention(in_torch, hidden=True)


# =========================================================================== the torch layer

@pytest.mark.parametrize("options, message, hidden", [
    ({"no_bias": True}, "has no bias (bias=False)", False),
    ({"per_head": True}, "That is one head's size", False),
    ({"extra": True}, "The others are in: temperature", False),
    ({"no_transpose": True}, "Tokens and heads are mixed up", False),
    ({"sqrt_d_model": True}, "divided by sqrt(d_model)", False),
    ({"no_heads_axis": True}, "without an axis for the heads", False),
    ({"torch_convention": True}, "attn_mask means the opposite", False),
    ({"naive": True}, "torch.exp overflows above about 88", False),
    ({"torch_softmax": True}, "MultiHeadAttention calls torch.softmax", False),
    ({"detach": True}, "W_v gets no gradient", False),
    ({"no_W_o": True}, "before the output projection", False),
    ({"per_head_weights": True}, "averaged over the heads, (..., n, n)", False),
    ({"swapped": True}, "returned (weights, output)", False),
    ({"double": True}, "without .double()", False),
    ({"no_heads_axis": True}, "without an axis for the heads", True),
])
def test_layer_mistakes(options, message, hidden):
    with pytest.raises(FeedbackError) as err:
        checks.check_multihead_layer(_layer(**options), hidden)
    assert message in str(err.value)


def test_layer_layout_is_required():
    class Fused(nn.Module):
        def __init__(self, d_model, num_heads):
            super().__init__()
            self.in_proj = nn.Linear(d_model, 3 * d_model)
            self.out_proj = nn.Linear(d_model, d_model)

    with pytest.raises(FeedbackError, match="has no attribute W_q.*in_proj"):
        checks.check_multihead_layer(Fused)

    class Params(nn.Module):
        def __init__(self, d_model, num_heads):
            super().__init__()
            for name in ("W_q", "W_k", "W_v", "W_o"):
                setattr(self, name, nn.Parameter(torch.randn(d_model, d_model)))

    with pytest.raises(FeedbackError, match="self.W_q is a Parameter"):
        checks.check_multihead_layer(Params)

    with pytest.raises(FeedbackError, match="inherits from torch.nn.MultiheadAttention"):
        checks.check_multihead_layer(type("MultiHeadAttention", (nn.MultiheadAttention,), {}))


def test_layer_wrapping_torch_multihead_attention_is_caught():
    class Wrapper(Layer):
        options = {}

        def __init__(self, d_model, num_heads):
            super().__init__(d_model, num_heads)
            self.inner = nn.MultiheadAttention(d_model, num_heads, batch_first=True)

        def forward(self, X, mask=None):
            self.inner(X, X, X)
            return super().forward(X, mask)

    with pytest.raises(FeedbackError):
        checks.check_multihead_layer(Wrapper)


def test_layer_grading_matches_torch_multihead_attention():
    """The expected values the layer is graded against are torch's own, for the loaded numbers."""
    params = checks._known_parameters(8, seed=3)
    theirs = nn.MultiheadAttention(8, 4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        (Wq, bq), (Wk, bk), (Wv, bv), (Wo, bo) = (params[n] for n in ("W_q", "W_k", "W_v", "W_o"))
        theirs.in_proj_weight.copy_(torch.as_tensor(np.concatenate([Wq, Wk, Wv])))
        theirs.in_proj_bias.copy_(torch.as_tensor(np.concatenate([bq, bk, bv])))
        theirs.out_proj.weight.copy_(torch.as_tensor(Wo))
        theirs.out_proj.bias.copy_(torch.as_tensor(bo))
    X = np.random.default_rng(0).normal(size=(2, 5, 8))
    mask = np.tril(np.ones((5, 5), dtype=bool))
    heads = checks._layer_heads(X, params, 4, mask)
    x = torch.as_tensor(X)
    with torch.no_grad():
        out, w = theirs(x, x, x, attn_mask=torch.as_tensor(~mask))
    assert np.abs(out.numpy() - heads.output).max() < 1e-12
    assert np.abs(w.numpy() - heads.att.weights.mean(axis=-3)).max() < 1e-12
