"""Generation-time attention (qkv_course.generation): the KV cache gives the same outputs as
full causal attention, grouped-query attention matches torch's, and the cache's size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qkv_course import generation as gen

RNG = np.random.default_rng(11)


def _weights(d_model: int, heads: int, kv_heads: int) -> tuple[np.ndarray, ...]:
    d_kv = d_model // heads * kv_heads
    return (RNG.normal(size=(d_model, d_model)), RNG.normal(size=(d_model, d_kv)),
            RNG.normal(size=(d_model, d_kv)), RNG.normal(size=(d_model, d_model)))


@pytest.mark.parametrize("heads, kv_heads", [(4, 4), (4, 2), (4, 1), (6, 3)])
def test_decoding_with_a_kv_cache_equals_full_causal_attention(heads, kv_heads):
    d_model, n = 24, 9
    X = RNG.normal(size=(n, d_model))
    W = _weights(d_model, heads, kv_heads)
    full = gen.causal_self_attention(X, *W, heads, kv_heads)
    stepwise, cache = gen.incremental_self_attention(X, *W, heads, kv_heads)
    assert np.abs(stepwise - full).max() < 1e-10
    assert cache.length == n and cache.K.shape == (kv_heads, n, d_model // heads)


def test_a_step_does_not_see_tokens_that_come_later():
    W = _weights(8, 2, 2)
    X = RNG.normal(size=(5, 8))
    first, _ = gen.incremental_self_attention(X, *W, 2)
    changed, _ = gen.incremental_self_attention(np.vstack([X[:3], RNG.normal(size=(2, 8))]), *W, 2)
    assert np.allclose(first[:3], changed[:3], atol=1e-12) and not np.allclose(first[3:], changed[3:])


@pytest.mark.parametrize("heads, kv_heads", [(8, 2), (8, 1), (8, 8)])
def test_grouped_query_attention_matches_torch(heads, kv_heads):
    Q = RNG.normal(size=(2, heads, 5, 4))
    K, V = RNG.normal(size=(2, kv_heads, 7, 4)), RNG.normal(size=(2, kv_heads, 7, 3))
    mask = RNG.random((5, 7)) < 0.7
    mask[:, 0] = True
    ours, weights = gen.grouped_query_attention(Q, K, V, mask)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(a) for a in (Q, K, V)), attn_mask=torch.tensor(mask), enable_gqa=True).numpy()
    assert np.abs(ours - theirs).max() < 1e-12
    assert np.allclose(weights.sum(-1), 1)


def test_grouped_query_attention_refuses_groups_that_do_not_divide():
    with pytest.raises(ValueError, match="must divide"):
        gen.grouped_query_attention(np.zeros((6, 2, 4)), np.zeros((4, 2, 4)), np.zeros((4, 2, 4)))


def test_cache_sizes_of_real_configurations():
    gpt2, llama = gen.MODEL_SHAPES
    assert gpt2.cache_bytes() == 2 * 12 * 12 * 64 * 1024 * 2 == 37_748_736          # 36 MiB in fp16
    assert llama.cache_bytes() == 2 * 32 * 8 * 128 * 8192 * 2 == 2**30                # 1 GiB in bf16
    as_mha = gen.kv_cache_bytes(llama.layers, llama.heads, llama.d_head, llama.context)
    assert as_mha == 4 * llama.cache_bytes()                                          # GQA: 4x smaller
