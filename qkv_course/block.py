"""The transformer block: what surrounds attention in every model.

One *post-norm* block (the original Transformer, BERT, MiniLM), for X (..., n, d_model):

    A = MultiHeadAttention(X)                     the attention sublayer
    H = LayerNorm(X + A)                          residual, then norm
    F = GELU(H W_1 + b_1) W_2 + b_2               the position-wise feed-forward network
    Y = LayerNorm(H + F)                          (..., n, d_model)

A *pre-norm* block (GPT-2 and most models since) normalises the input of each sublayer instead
and leaves the residual stream itself alone:

    H = X + MultiHeadAttention(LayerNorm(X))
    Y = H + FeedForward(LayerNorm(H))

Everything here is numpy, float64, written from the formulas; :func:`layer_errors` compares a
whole MiniLM layer computed this way with the packaged model, layer by layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .multihead import multi_head_attention
from .pretrained import LayerWeights, _np, layer_attention_weights, layer_norm

__all__ = ["gelu", "feed_forward", "FeedForwardWeights", "layer_feed_forward_weights", "post_norm_block",
           "pre_norm_block", "minilm_layer", "layer_errors", "residual_norms"]

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), elementwise (BERT's "gelu"; GPT-2
    uses a tanh approximation of it)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def feed_forward(X: np.ndarray, W_1: np.ndarray, b_1: np.ndarray, W_2: np.ndarray, b_2: np.ndarray
                 ) -> np.ndarray:
    """The position-wise feed-forward network: each token's vector on its own.

    X: (..., n, d_model); W_1: (d_model, d_ff); b_1: (d_ff,); W_2: (d_ff, d_model); b_2: (d_model,)
    -> (..., n, d_model) = GELU(X W_1 + b_1) W_2 + b_2.
    """
    return gelu(X @ W_1 + b_1) @ W_2 + b_2


@dataclass(frozen=True)
class FeedForwardWeights:
    """One layer's feed-forward network and the LayerNorm after it, float64, oriented for ``X @ W``:
    W_1 (d_model, d_ff), b_1 (d_ff,), W_2 (d_ff, d_model), b_2 (d_model,), ln_gamma, ln_beta
    (d_model,), ln_eps."""

    W_1: np.ndarray
    b_1: np.ndarray
    W_2: np.ndarray
    b_2: np.ndarray
    ln_gamma: np.ndarray
    ln_beta: np.ndarray
    ln_eps: float


def layer_feed_forward_weights(model, layer: int) -> FeedForwardWeights:
    """Layer ``layer``'s (0-based) feed-forward weights from a BERT-family model (MiniLM):
    ``intermediate.dense`` is W_1, ``output.dense`` W_2 (``nn.Linear`` stores ``W.T``)."""
    block = model.encoder.layer[layer]
    up, down = block.intermediate.dense, block.output.dense
    return FeedForwardWeights(W_1=_np(up.weight).T, b_1=_np(up.bias), W_2=_np(down.weight).T,
                              b_2=_np(down.bias), ln_gamma=_np(block.output.LayerNorm.weight),
                              ln_beta=_np(block.output.LayerNorm.bias),
                              ln_eps=float(block.output.LayerNorm.eps))


def _attention(X: np.ndarray, a: LayerWeights, num_heads: int, mask: np.ndarray | None) -> np.ndarray:
    out, _ = multi_head_attention(X, a.W_q, a.W_k, a.W_v, a.W_o, num_heads, mask,
                                  b_q=a.b_q, b_k=a.b_k, b_v=a.b_v, b_o=a.b_o)
    return out


def post_norm_block(X: np.ndarray, attention: LayerWeights, ffn: FeedForwardWeights, num_heads: int,
                    mask: np.ndarray | None = None) -> np.ndarray:
    """One post-norm block (module docstring): X (..., n, d_model) -> (..., n, d_model).
    ``mask`` as :func:`qkv_course.multihead.multi_head_attention` takes it (True = may attend)."""
    H = layer_norm(X + _attention(X, attention, num_heads, mask),
                   attention.ln_gamma, attention.ln_beta, attention.ln_eps)
    return layer_norm(H + feed_forward(H, ffn.W_1, ffn.b_1, ffn.W_2, ffn.b_2),
                      ffn.ln_gamma, ffn.ln_beta, ffn.ln_eps)


def pre_norm_block(X: np.ndarray, attention: LayerWeights, ffn: FeedForwardWeights, num_heads: int,
                   mask: np.ndarray | None = None) -> np.ndarray:
    """One pre-norm block (module docstring), with the same weights: each LayerNorm moved to the
    input of its sublayer. X (..., n, d_model) -> (..., n, d_model)."""
    H = X + _attention(layer_norm(X, attention.ln_gamma, attention.ln_beta, attention.ln_eps),
                       attention, num_heads, mask)
    G = layer_norm(H, ffn.ln_gamma, ffn.ln_beta, ffn.ln_eps)
    return H + feed_forward(G, ffn.W_1, ffn.b_1, ffn.W_2, ffn.b_2)


def minilm_layer(model, layer: int, X: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Layer ``layer`` of MiniLM (post-norm) computed with the course's code from its weights.
    X: (batch, n, 384) the layer's input; attention_mask: (batch, n), 1 = real token."""
    mask = np.asarray(attention_mask).astype(bool)[:, None, :]   # (batch, 1, n): keys only
    return post_norm_block(X, layer_attention_weights(model, layer), layer_feed_forward_weights(model, layer),
                           int(model.config.num_attention_heads), mask)


def layer_errors(tokenizer, model, text: str | list[str]) -> list[float]:
    """For every layer, the largest absolute difference, over real tokens, between the model's
    output of that layer and :func:`minilm_layer` run on the model's own input to it."""
    from .pretrained import hidden_states_and_attentions

    _, hidden, _, attention_mask = hidden_states_and_attentions(tokenizer, model, text)
    real = np.asarray(attention_mask).astype(bool)
    return [float(np.abs(minilm_layer(model, layer, hidden[layer], attention_mask) - hidden[layer + 1])[real].max())
            for layer in range(len(hidden) - 1)]


def residual_norms(depth: int, d_model: int = 64, n: int = 8, num_heads: int = 4, seed: int = 0,
                   pre_norm: bool = True) -> np.ndarray:
    """(depth + 1,) mean norm of the token vectors after each of ``depth`` blocks with fresh random
    weights (Glorot-scaled, LayerNorm gamma 1 and beta 0, as at initialisation), the input first.
    Post-norm keeps every output at norm sqrt(d_model); pre-norm lets the residual stream grow."""
    rng = np.random.default_rng(seed)
    d_ff = 4 * d_model

    def matrix(rows: int, cols: int) -> np.ndarray:
        return rng.normal(scale=math.sqrt(2.0 / (rows + cols)), size=(rows, cols))

    ones, zeros = np.ones(d_model), np.zeros(d_model)
    X = rng.normal(size=(n, d_model))
    norms = [np.linalg.norm(X, axis=-1).mean()]
    for _ in range(depth):
        attention = LayerWeights(*(matrix(d_model, d_model) for _ in range(4)), *(zeros,) * 4, ones, zeros, 1e-5)
        ffn = FeedForwardWeights(matrix(d_model, d_ff), np.zeros(d_ff), matrix(d_ff, d_model), zeros,
                                 ones, zeros, 1e-5)
        X = (pre_norm_block if pre_norm else post_norm_block)(X, attention, ffn, num_heads)
        norms.append(np.linalg.norm(X, axis=-1).mean())
    return np.array(norms)
