"""Unit tests of the reference code for chapters 3-5: projections, attention, masks, torch modules."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from qkv_course import attention, masking, projections
from qkv_course.nn import QKVProjection, to_tensor
from qkv_course.softmax import softmax

RNG = np.random.default_rng(7)


def _qkv(batch=(2, 3), n_q=4, n_k=6, d_k=5, d_v=3):
    return (RNG.normal(size=batch + (n_q, d_k)), RNG.normal(size=batch + (n_k, d_k)),
            RNG.normal(size=batch + (n_k, d_v)))


def test_project_qkv_is_three_matrix_products_over_any_batch_axes():
    X = RNG.normal(size=(2, 3, 5, 8))
    W = projections.init_projections(8, 4, 6, seed=1)
    Q, K, V = projections.project_qkv(X, *W)
    assert (Q.shape, K.shape, V.shape) == ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 6))
    assert np.allclose(V[1, 2, 3], X[1, 2, 3] @ W[2])
    assert projections.parameter_count(8, 4, 6) == 8 * 14
    assert projections.parameter_count(8, 4, 6, bias=True) == 8 * 14 + 14


def test_project_qkv_names_mismatched_weights():
    X = RNG.normal(size=(5, 8))
    W_q, W_k, W_v = projections.init_projections(8, 4)
    with pytest.raises(ValueError, match="W_k has shape"):
        projections.project_qkv(X, W_q, W_k[:7], W_v)
    with pytest.raises(ValueError, match="d_k columns"):
        projections.project_qkv(X, W_q, W_k[:, :3], W_v)
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        projections.project_qkv(_one_nan(X), W_q, W_k, W_v)


def _one_nan(X):
    X = X.copy()
    X[0, 0] = np.nan
    return X


def test_sdpa_matches_the_formula_and_torch():
    Q, K, V = _qkv()
    out, w = attention.scaled_dot_product_attention(Q, K, V)
    expected_w = softmax(Q @ np.swapaxes(K, -1, -2) / np.sqrt(5))
    assert np.allclose(w, expected_w) and np.allclose(out, expected_w @ V)
    ref = F.scaled_dot_product_attention(to_tensor(Q), to_tensor(K), to_tensor(V))
    assert np.allclose(out, ref.numpy())


def test_sdpa_with_masks_matches_torch_and_zeroes_fully_masked_queries():
    Q, K, V = _qkv(batch=(2,), n_q=6, n_k=6)
    pad = masking.padding_mask([4, 6], 6)
    mask = masking.combine_masks(masking.causal_mask(6), masking.key_padding_mask(pad))
    assert mask.shape == (2, 6, 6)
    out, w = attention.scaled_dot_product_attention(Q, K, V, mask)
    ref = F.scaled_dot_product_attention(to_tensor(Q), to_tensor(K), to_tensor(V),
                                         attn_mask=torch.as_tensor(mask))
    assert np.allclose(out, ref.numpy())
    assert (w[~np.broadcast_to(mask, w.shape)] == 0).all()
    none = np.zeros((6, 6), dtype=bool)
    none[:, 0] = True
    none[2] = False
    out, w = attention.scaled_dot_product_attention(Q, K, V, none)
    assert (out[:, 2] == 0).all() and (w[:, 2] == 0).all() and np.isfinite(out).all()


def test_sdpa_names_bad_inputs():
    Q, K, V = _qkv()
    with pytest.raises(ValueError, match="same size"):
        attention.scaled_dot_product_attention(Q, K[..., :4], V)
    with pytest.raises(ValueError, match="one value per key"):
        attention.scaled_dot_product_attention(Q, K, V[..., :5, :])
    with pytest.raises(ValueError, match="boolean"):
        attention.scaled_dot_product_attention(Q, K, V, np.ones((4, 6)))
    with pytest.raises(ValueError, match="does not broadcast"):
        attention.scaled_dot_product_attention(Q, K, V, np.ones((6, 4), dtype=bool))


def test_self_and_cross_attention_are_sdpa_of_projections():
    X, Y = RNG.normal(size=(3, 5, 8)), RNG.normal(size=(3, 7, 8))
    W = projections.init_projections(8, 4, 2, seed=3)
    out, w = attention.self_attention(X, *W)
    Q, K, V = projections.project_qkv(X, *W)
    assert np.allclose(out, attention.scaled_dot_product_attention(Q, K, V)[0]) and w.shape == (3, 5, 5)
    out, w = attention.cross_attention(X, Y, *W)
    assert out.shape == (3, 5, 2) and w.shape == (3, 5, 7)
    _, K2, V2 = projections.project_qkv(Y, *W)
    assert np.allclose(out, attention.scaled_dot_product_attention(Q, K2, V2)[0])


def test_masks():
    c = masking.causal_mask(4)
    assert c.dtype == bool and c[3].all() and c[0].sum() == 1 and not c[1, 2]
    p = masking.padding_mask(np.array([1, 3, 0]), 3)
    assert p.tolist() == [[True, False, False], [True, True, True], [False, False, False]]
    assert masking.key_padding_mask(p, heads=True).shape == (3, 1, 1, 3)
    with pytest.raises(ValueError, match="between 0 and max_len"):
        masking.padding_mask([4], 3)
    with pytest.raises(ValueError, match="positive whole number"):
        masking.causal_mask(0)


def test_torch_projection_module_matches_numpy():
    X = RNG.normal(size=(2, 5, 8))
    W = projections.init_projections(8, 4, 6, seed=2)
    layer = QKVProjection(8, 4, 6).double().load_numpy(*W)
    for got, want in zip(layer(to_tensor(X)), projections.project_qkv(X, *W)):
        assert np.allclose(got.detach().numpy(), want)
    assert sum(p.numel() for p in layer.parameters()) == projections.parameter_count(8, 4, 6)
    with pytest.raises(ValueError, match="d_model=8"):
        layer(to_tensor(X[..., :7]))
