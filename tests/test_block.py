"""The transformer block (qkv_course.block): GELU, the feed-forward network, post- and pre-norm
blocks, a whole MiniLM layer reproduced, and what the two norm placements do to the residual
stream."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qkv_course import block
from qkv_course.pretrained import LayerWeights

RNG = np.random.default_rng(7)


def test_gelu_is_the_exact_one_torch_computes():
    x = np.linspace(-8, 8, 2001)
    expected = torch.nn.functional.gelu(torch.tensor(x, dtype=torch.float64)).numpy()
    assert np.abs(block.gelu(x) - expected).max() < 1e-14
    tanh_approx = torch.nn.functional.gelu(torch.tensor(x), approximate="tanh").numpy()
    assert np.abs(block.gelu(x) - tanh_approx).max() > 1e-4   # the approximation is another function


def test_feed_forward_acts_on_each_token_alone():
    W_1, b_1, W_2, b_2 = RNG.normal(size=(6, 24)), RNG.normal(size=24), RNG.normal(size=(24, 6)), RNG.normal(size=6)
    X = RNG.normal(size=(2, 5, 6))
    out = block.feed_forward(X, W_1, b_1, W_2, b_2)
    assert out.shape == (2, 5, 6)
    one = block.feed_forward(X[1, 3], W_1, b_1, W_2, b_2)
    assert np.allclose(out[1, 3], one, atol=1e-12)
    assert np.allclose(block.feed_forward(X[:, ::-1], W_1, b_1, W_2, b_2), out[:, ::-1], atol=1e-12)


def _weights(d: int, seed: int) -> tuple[LayerWeights, block.FeedForwardWeights]:
    rng = np.random.default_rng(seed)
    a = LayerWeights(*(rng.normal(scale=d ** -0.5, size=(d, d)) for _ in range(4)),
                     *(rng.normal(scale=0.1, size=d) for _ in range(4)), np.ones(d), np.zeros(d), 1e-6)
    f = block.FeedForwardWeights(rng.normal(scale=d ** -0.5, size=(d, 4 * d)), np.zeros(4 * d),
                                 rng.normal(scale=(4 * d) ** -0.5, size=(4 * d, d)), np.zeros(d),
                                 np.ones(d), np.zeros(d), 1e-6)
    return a, f


def test_a_post_norm_block_ends_normalised_and_a_pre_norm_block_keeps_the_residual():
    a, f = _weights(16, 1)
    X = 5 + 3 * RNG.normal(size=(3, 7, 16))
    Y = block.post_norm_block(X, a, f, 4)
    assert np.allclose(Y.mean(-1), 0, atol=1e-9) and np.allclose(Y.var(-1), 1, atol=1e-4)
    P = block.pre_norm_block(X, a, f, 4)
    assert not np.allclose(P.mean(-1), 0, atol=1e-3)       # the stream keeps X's offset of 5
    assert abs(P.mean() - 5) < 1.5


def test_a_causal_mask_keeps_earlier_outputs_from_later_tokens():
    a, f = _weights(8, 2)
    X = RNG.normal(size=(6, 8))
    causal = np.tril(np.ones((6, 6), dtype=bool))
    for fn in (block.post_norm_block, block.pre_norm_block):
        Y = fn(X, a, f, 2, causal)
        Z = fn(np.vstack([X[:4], RNG.normal(size=(2, 8))]), a, f, 2, causal)
        assert np.allclose(Y[:4], Z[:4], atol=1e-12)


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("transformers")
    from qkv_course.minilm import minilm as load

    return load()


def test_every_minilm_layer_is_reproduced_to_1e_5(minilm):
    tokenizer, model = minilm
    errors = block.layer_errors(tokenizer, model, ["The cat sat on the mat.",
                                                   "Attention is all you need, they said, and then some."])
    assert len(errors) == model.config.num_hidden_layers == 6
    assert max(errors) < 1e-5, errors


def test_pre_norm_grows_the_residual_stream_and_post_norm_does_not():
    pre = block.residual_norms(24, d_model=64, pre_norm=True)
    post = block.residual_norms(24, d_model=64, pre_norm=False)
    assert np.allclose(post[1:], math.sqrt(64), rtol=1e-3)
    assert pre[-1] > 4 * pre[0] and pre[0] < pre[6] < pre[12] < pre[18] < pre[24]   # grows, about like sqrt(depth)
