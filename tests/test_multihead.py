"""Unit tests of chapter 6's reference code: split/merge heads, numpy multi-head attention, and the
torch MultiHeadAttention layer, checked against torch.nn.MultiheadAttention (whose boolean
attn_mask and key_padding_mask mean True = NOT allowed, the opposite of this course's masks)."""

import numpy as np
import pytest
import torch
from torch import nn

from qkv_course import attention, masking, multihead, projections
from qkv_course.nn import MultiHeadAttention, copy_from_torch, numpy_weights, to_tensor

RNG = np.random.default_rng(11)


def _weights(d_model, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(d_model, d_model)) / np.sqrt(d_model) for _ in range(4)]


# --------------------------------------------------------------------------- split / merge

@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_split_heads_gives_head_h_its_own_block_of_columns(batch):
    X = RNG.normal(size=batch + (5, 12))
    S = multihead.split_heads(X, 3)
    assert S.shape == batch + (3, 5, 4)
    for h in range(3):
        assert np.array_equal(S[..., h, :, :], X[..., h * 4:(h + 1) * 4])


@pytest.mark.parametrize("num_heads", [1, 2, 3, 6])
def test_merge_heads_inverts_split_heads(num_heads):
    X = RNG.normal(size=(2, 4, 6))
    assert np.array_equal(multihead.merge_heads(multihead.split_heads(X, num_heads)), X)
    H = RNG.normal(size=(2, num_heads, 4, 6 // num_heads))
    assert np.array_equal(multihead.split_heads(multihead.merge_heads(H), num_heads), H)


def test_reshape_without_transpose_mixes_tokens_and_heads():
    """The classic bug: same shape, no error, wrong contents (unless n == 1 or num_heads == 1)."""
    X = np.arange(4 * 6, dtype=float).reshape(4, 6)
    wrong = X.reshape(2, 4, 3)
    right = multihead.split_heads(X, 2)
    assert wrong.shape == right.shape and not np.array_equal(wrong, right)
    # wrong "head 0" holds both halves of tokens 0 and 1: tokens and heads mixed
    assert set(wrong[0].ravel()) == set(X[:2].ravel())


@pytest.mark.parametrize("d_model, num_heads", [(10, 4), (6, 4), (5, 2), (3, 0), (4, 1.5)])
def test_split_heads_raises_value_error_when_features_do_not_divide(d_model, num_heads):
    with pytest.raises(ValueError, match="num_heads"):
        multihead.split_heads(np.ones((3, d_model)), num_heads)


def test_merge_heads_needs_a_heads_axis():
    with pytest.raises(ValueError, match="at least 3 axes"):
        multihead.merge_heads(np.ones((4, 6)))
    H = np.full((2, 3, 2), np.nan)
    assert np.isnan(multihead.merge_heads(H)).all() and multihead.merge_heads(H).shape == (3, 4)


# --------------------------------------------------------------------------- numpy multi-head attention

def test_one_head_is_plain_self_attention_followed_by_W_o():
    X = RNG.normal(size=(2, 5, 6))
    W_q, W_k, W_v, W_o = _weights(6)
    out, w = multihead.multi_head_attention(X, W_q, W_k, W_v, W_o, 1)
    ref_out, ref_w = attention.self_attention(X, W_q, W_k, W_v)
    assert w.shape == (2, 1, 5, 5)
    assert np.allclose(w[:, 0], ref_w) and np.allclose(out, ref_out @ W_o)


def test_each_head_attends_with_its_slice_of_the_matrices():
    X = RNG.normal(size=(3, 4, 8))
    W_q, W_k, W_v, W_o = _weights(8, seed=1)
    mask = masking.causal_mask(4)
    out, w = multihead.multi_head_attention(X, W_q, W_k, W_v, W_o, 4, mask)
    heads = []
    for h in range(4):
        cols = slice(2 * h, 2 * h + 2)
        o, wh = attention.self_attention(X, W_q[:, cols], W_k[:, cols], W_v[:, cols], mask)
        assert np.allclose(w[:, h], wh)
        heads.append(o)
    assert np.allclose(out, np.concatenate(heads, axis=-1) @ W_o)
    assert np.allclose(out, sum(heads[h] @ W_o[2 * h:2 * h + 2] for h in range(4)))


@pytest.mark.parametrize("mask_shape", [(5, 5), (2, 1, 5), (2, 5, 5), (5,), (1, 5)])
def test_token_masks_are_shared_by_every_head(mask_shape):
    X = RNG.normal(size=(2, 5, 6))
    W = _weights(6, seed=2)
    mask = RNG.random(mask_shape) < 0.7
    mask[..., 0] = True
    _, w = multihead.multi_head_attention(X, *W, 3, mask)
    allowed = np.broadcast_to(mask, (2, 5, 5))
    assert w.shape == (2, 3, 5, 5)
    assert (w[np.broadcast_to(~allowed[:, None], w.shape)] == 0).all()
    assert np.allclose(w.sum(-1), 1)


def test_fully_masked_queries_get_zero_weights_and_zero_output():
    X = RNG.normal(size=(2, 4, 6))
    mask = np.ones((2, 4, 4), dtype=bool)
    mask[1, 2] = False
    out, w = multihead.multi_head_attention(X, *_weights(6, seed=3), 2, mask)
    assert (w[1, :, 2] == 0).all() and (out[1, 2] == 0).all()
    assert np.isfinite(out).all()


def test_large_inputs_stay_finite():
    X = 300 * RNG.normal(size=(2, 6, 8))
    out, w = multihead.multi_head_attention(X, *_weights(8, seed=4), 2, masking.causal_mask(6))
    assert np.isfinite(out).all() and np.allclose(w.sum(-1), 1)


def test_multi_head_attention_names_bad_arguments():
    X = RNG.normal(size=(4, 6))
    W = _weights(6)
    with pytest.raises(ValueError, match="W_o has shape"):
        multihead.multi_head_attention(X, *W[:3], W[3][:, :4], 2)
    with pytest.raises(ValueError, match="num_heads=4"):
        multihead.multi_head_attention(X, *W, 4)
    with pytest.raises(ValueError, match="does not broadcast"):
        multihead.multi_head_attention(X, *W, 2, np.ones((3, 3), dtype=bool))


def test_parameter_count_does_not_depend_on_the_number_of_heads():
    counts = {h: multihead.parameter_count(768, h) for h in (1, 2, 3, 4, 6, 8, 12)}
    assert set(counts.values()) == {4 * 768 ** 2}
    assert multihead.parameter_count(768, 12, bias=True) == 4 * 768 ** 2 + 4 * 768
    # the three projections of 12 heads of 64 = one head of 768
    assert 12 * projections.parameter_count(768, 64) == projections.parameter_count(768, 768)
    with pytest.raises(ValueError):
        multihead.parameter_count(10, 4)


# --------------------------------------------------------------------------- torch parity

def _torch_layer(d_model, num_heads, bias=True, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    layer = nn.MultiheadAttention(d_model, num_heads, bias=bias, batch_first=True, dtype=dtype)
    if bias:   # torch starts its biases at 0: make them non-zero so that copying them is tested
        with torch.no_grad():
            layer.in_proj_bias.normal_()
            layer.out_proj.bias.normal_()
    return layer


def _both(d_model, num_heads, **kw):
    theirs = _torch_layer(d_model, num_heads, **kw)
    ours = MultiHeadAttention(d_model, num_heads, bias=kw.get("bias", True)).to(theirs.in_proj_weight.dtype)
    return copy_from_torch(ours, theirs), theirs


@pytest.mark.parametrize("num_heads", [1, 2, 4])
@pytest.mark.parametrize("average", [True, False])
def test_module_reproduces_torch_outputs_and_weights(num_heads, average):
    ours, theirs = _both(8, num_heads)
    x = to_tensor(RNG.normal(size=(3, 5, 8)))
    with torch.no_grad():
        out_t, w_t = theirs(x, x, x, need_weights=True, average_attn_weights=average)
        out_o, w_o = ours(x, average_attn_weights=average)
    assert w_o.shape == w_t.shape == ((3, 5, 5) if average else (3, num_heads, 5, 5))
    assert (out_o - out_t).abs().max() < 1e-12 and (w_o - w_t).abs().max() < 1e-12


def test_module_matches_torch_in_float32_to_1e_5():
    ours, theirs = _both(16, 4, dtype=torch.float32)
    x = torch.tensor(RNG.normal(size=(2, 7, 16)), dtype=torch.float32)
    with torch.no_grad():
        out_t, w_t = theirs(x, x, x)
        out_o, w_o = ours(x)
    assert (out_o - out_t).abs().max() < 1e-5 and (w_o - w_t).abs().max() < 1e-5


@pytest.mark.parametrize("mask", [masking.causal_mask(5), RNG.random((3, 5, 5)) < 0.6])
def test_torch_attn_mask_is_the_negation_of_ours(mask):
    mask = mask.copy()
    mask[..., 0] = True                     # every query keeps a key: torch gives NaN otherwise
    ours, theirs = _both(8, 2)
    x = to_tensor(RNG.normal(size=(3, 5, 8)))
    # torch wants (n, n) or (batch * num_heads, n, n); True there means "may NOT attend"
    blocked = torch.as_tensor(~mask)
    if blocked.ndim == 3:
        blocked = blocked.repeat_interleave(2, dim=0)
    with torch.no_grad():
        out_t, w_t = theirs(x, x, x, attn_mask=blocked, average_attn_weights=False)
        out_o, w_o = ours(x, mask, average_attn_weights=False)
        out_same, _ = theirs(x, x, x, attn_mask=~blocked)   # our mask as it is: the wrong keys
    assert (out_o - out_t).abs().max() < 1e-12 and (w_o - w_t).abs().max() < 1e-12
    # the wrong keys, and NaN for queries whose row of our mask is all True (all blocked there)
    assert (out_same - out_o).nan_to_num(nan=1.0).abs().max() > 1e-3


def test_key_padding_mask_and_numpy_reference_agree_with_torch():
    theirs = _torch_layer(8, 4, bias=False, seed=3)
    W = numpy_weights(theirs)
    X = RNG.normal(size=(3, 5, 8))
    pad = masking.padding_mask([5, 2, 4], 5)
    out_n, w_n = multihead.multi_head_attention(X, *W, 4, masking.key_padding_mask(pad))
    x = to_tensor(X)
    with torch.no_grad():
        out_t, w_t = theirs(x, x, x, key_padding_mask=torch.as_tensor(~pad), average_attn_weights=False)
    assert np.abs(out_n - out_t.numpy()).max() < 1e-12 and np.abs(w_n - w_t.numpy()).max() < 1e-12


def test_module_load_numpy_matches_the_numpy_function_over_batch_axes():
    W = _weights(6, seed=5)
    layer = MultiHeadAttention(6, 3).double().load_numpy(*W)
    X = RNG.normal(size=(2, 2, 4, 6))
    mask = masking.causal_mask(4)
    out_n, w_n = multihead.multi_head_attention(X, *W, 3, mask)
    out_t, w_t = layer(to_tensor(X), mask, average_attn_weights=False)
    assert np.allclose(out_t.detach().numpy(), out_n) and np.allclose(w_t.detach().numpy(), w_n)
    _, avg = layer(to_tensor(X), mask)
    assert np.allclose(avg.detach().numpy(), w_n.mean(axis=-3))


def test_module_gives_zero_weights_where_torch_gives_nan():
    ours, theirs = _both(8, 2)
    x = to_tensor(RNG.normal(size=(1, 3, 8)))
    mask = np.array([[True, False, False], [False, False, False], [True, True, True]])
    with torch.no_grad():
        out_t, _ = theirs(x, x, x, attn_mask=torch.as_tensor(~mask))
        out_o, w_o = ours(x, mask)
    assert torch.isnan(out_t[0, 1]).all()
    assert (w_o[0, 1] == 0).all() and torch.isfinite(out_o).all()
    assert torch.allclose(out_o[0, 1], ours.W_o.bias)     # nothing attended: only W_o's bias


def test_module_trains_and_copy_checks_sizes():
    layer = MultiHeadAttention(8, 2)
    out, _ = layer(torch.randn(2, 3, 8))
    out.sum().backward()
    assert all(p.grad is not None for p in layer.parameters())
    assert sum(p.numel() for p in layer.parameters()) == multihead.parameter_count(8, 2, bias=True)
    with pytest.raises(ValueError, match="num_heads"):
        copy_from_torch(MultiHeadAttention(8, 4), _torch_layer(8, 2))
    with pytest.raises(ValueError, match="bias"):
        copy_from_torch(MultiHeadAttention(8, 2, bias=False), _torch_layer(8, 2))
    with pytest.raises(ValueError, match="biases"):
        numpy_weights(_torch_layer(8, 2))
    with pytest.raises(ValueError):
        MultiHeadAttention(10, 4)
