"""Hidden cases of ps08, "The transformer block" (instructor side only): the inputs that
:mod:`qkv_course.checks.block`'s checks use with ``hidden=True``. One block case is a real MiniLM
layer: its weights, and the hidden states MiniLM feeds that layer for two sentences of different
lengths (so one is padded, and the mask matters)."""

from __future__ import annotations

import functools

import numpy as np

from qkv_course.checks.block import BlockCase, FFNCase, NormCase, ffn_case, random_params


def norm_cases() -> list[NormCase]:
    """layer_norm's inputs: one token, two batch axes, a constant token (variance 0), large
    values, d = 1, another eps, gamma and beta of different sizes."""
    rng = np.random.default_rng(181)
    X = rng.normal(size=(4, 6))
    X[2] = 3.0                                              # a token whose features are all equal
    return [
        NormCase(rng.normal(size=(1, 7)), rng.normal(size=7), rng.normal(size=7)),
        NormCase(X, 1 + rng.normal(size=6), rng.normal(size=6)),
        NormCase(rng.normal(size=(2, 3, 4, 5)), rng.normal(size=5), rng.normal(size=5), eps=1e-2),
        NormCase(1e4 + 50 * rng.normal(size=(3, 8)), np.full(8, 2.0), np.arange(8.0)),
        NormCase(rng.normal(size=(5, 1)), np.array([1.5]), np.array([-0.5])),
        NormCase(rng.integers(-4, 5, size=(3, 6)), rng.normal(size=6), rng.normal(size=6), eps=0.5),
    ]


def ffn_cases() -> list[FFNCase]:
    """feed_forward's inputs: one token, batch axes, d_ff < d_model, large inputs (GELU near ReLU),
    small inputs (where the approximations differ most)."""
    return [ffn_case((1, 5), 20, seed=182), ffn_case((2, 3, 6), 24, seed=183), ffn_case((4, 8), 3, seed=184),
            ffn_case((3, 4), 16, seed=185, scale=5.0), ffn_case((5, 6), 24, seed=186, scale=0.3)]


@functools.lru_cache(maxsize=1)
def minilm_case(layer: int = 2) -> BlockCase:
    """MiniLM's layer ``layer`` as a BlockCase: its weights, and its input for two sentences."""
    from qkv_course import block, pretrained

    tokenizer, model = pretrained.load_minilm()
    _, hidden, _, attention_mask = pretrained.hidden_states_and_attentions(
        tokenizer, model, ["Keys are compared with the query.", "Values come back."])
    a = pretrained.layer_attention_weights(model, layer)
    f = block.layer_feed_forward_weights(model, layer)
    params = {"W_q": a.W_q, "b_q": a.b_q, "W_k": a.W_k, "b_k": a.b_k, "W_v": a.W_v, "b_v": a.b_v,
              "W_o": a.W_o, "b_o": a.b_o, "ln1_gamma": a.ln_gamma, "ln1_beta": a.ln_beta,
              "W1": f.W_1, "b1": f.b_1, "W2": f.W_2, "b2": f.b_2, "ln2_gamma": f.ln_gamma,
              "ln2_beta": f.ln_beta, "num_heads": int(model.config.num_attention_heads), "eps": float(a.ln_eps)}
    mask = np.asarray(attention_mask).astype(bool)[:, None, :]           # (2, 1, n): keys only
    return BlockCase(np.asarray(hidden[layer]), params, mask, atol=1e-7,
                     extra={"model_output": np.asarray(hidden[layer + 1]), "real": np.asarray(attention_mask) > 0})


def block_cases() -> list[BlockCase]:
    """transformer_block's inputs: no batch axis, one token, a causal mask over heads, more heads,
    and MiniLM's real layer 2 with a padding mask."""
    rng = np.random.default_rng(187)
    causal = np.tril(np.ones((5, 5), dtype=bool))
    return [
        BlockCase(rng.normal(size=(5, 6)), random_params(6, 3, 12, seed=188)),
        BlockCase(rng.normal(size=(1, 4)), random_params(4, 1, 8, seed=189)),
        BlockCase(rng.normal(size=(2, 5, 8)), random_params(8, 4, 16, seed=190, eps=1e-3), mask=causal),
        minilm_case(),
    ]
