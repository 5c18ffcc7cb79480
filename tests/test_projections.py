"""Unit tests of qkv_course.projections and the torch layer in qkv_course.nn (chapter 3)."""

import numpy as np
import pytest
import torch

from qkv_course import projections
from qkv_course.nn import QKVProjection, to_tensor

VOCAB = ["cat", "mat", "on", "sat", "the"]


def test_embed_looks_up_one_row_per_token_and_equal_tokens_get_equal_rows():
    table = projections.embedding_table(len(VOCAB), 6, seed=2)
    assert table.shape == (5, 6)
    assert np.array_equal(table, projections.embedding_table(5, 6, seed=2))
    X = projections.embed("the cat sat on the mat".split(), VOCAB, table)
    assert X.shape == (6, 6)
    assert np.array_equal(X[0], X[4]) and np.array_equal(X[1], table[0])
    assert projections.embed([], VOCAB, table).shape == (0, 6)


def test_embed_names_unknown_tokens_and_mismatched_tables():
    table = projections.embedding_table(5, 3)
    with pytest.raises(ValueError, match=r"not in the vocabulary: \['dog'\]"):
        projections.embed(["the", "dog"], VOCAB, table)
    with pytest.raises(ValueError, match="one row per word"):
        projections.embed(["the"], VOCAB, table[:4])
    with pytest.raises(ValueError, match="d_model >= 1"):
        projections.embedding_table(5, 0)


def test_scores_are_asymmetric_with_separate_matrices_and_symmetric_with_one():
    X = np.random.default_rng(0).normal(size=(5, 8))
    W_q, W_k, W_v = projections.init_projections(8, 4, 3, seed=1)
    Q, K, V = projections.project_qkv(X, W_q, W_k, W_v)
    S = Q @ K.T
    assert not np.allclose(S, S.T)
    assert np.allclose(S, X @ (W_q @ W_k.T) @ X.T)     # the bilinear form W_q W_k^T
    Q1, K1, _ = projections.project_qkv(X, W_q, W_q, W_v)
    assert np.allclose(Q1 @ K1.T, (Q1 @ K1.T).T)
    assert V.shape == (5, 3)


def test_init_projections_is_seeded_and_scaled():
    a = projections.init_projections(256, 64, seed=4)
    b = projections.init_projections(256, 64, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert [w.shape for w in a] == [(256, 64)] * 3
    assert abs(a[0].std() - 1 / 16) < 0.005


def test_parameter_count_of_gpt2_small_attention_matches_its_fused_matrix():
    # GPT-2 small stores W_q, W_k, W_v side by side in one (768, 2304) matrix with a bias.
    per_head = projections.parameter_count(768, 64, 64, bias=True)
    assert 12 * per_head == 768 * 2304 + 2304
    assert projections.parameter_count(768, 768) == 12 * projections.parameter_count(768, 64)


def test_torch_layer_with_bias_and_batches_matches_numpy_plus_bias():
    layer = QKVProjection(6, 4, 2, bias=True).double()
    X = np.random.default_rng(3).normal(size=(2, 3, 5, 6))
    W = [m.weight.detach().numpy().T for m in (layer.W_q, layer.W_k, layer.W_v)]
    b = [m.bias.detach().numpy() for m in (layer.W_q, layer.W_k, layer.W_v)]
    got = layer(to_tensor(X))
    for g, w, bias in zip(got, W, b):
        assert np.allclose(g.detach().numpy(), X @ w + bias)
    assert sum(p.numel() for p in layer.parameters()) == projections.parameter_count(6, 4, 2, bias=True)
    loss = sum(t.sum() for t in got)
    loss.backward()
    assert all(p.grad is not None and torch.any(p.grad != 0) for p in layer.parameters())
