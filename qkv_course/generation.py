"""Attention at generation time: the KV cache, and heads that share keys and values.

A decoder writes one token at a time. At step t its new query attends to the keys and values
of tokens 0..t, and those of tokens 0..t-1 were already computed at earlier steps: keeping them
(the *KV cache*) makes a step cost one row of attention, O(t d), instead of recomputing the whole
causal attention, O(t^2 d). The price is memory, per sequence:

    cache bytes = 2 (K and V) x layers x kv_heads x d_head x tokens x bytes per number

Multi-query and grouped-query attention (MQA, GQA) shrink it by letting groups of query heads
share one key/value head: ``num_kv_heads`` divides ``num_heads``, query head i reads kv head
i // (num_heads / num_kv_heads). MQA is num_kv_heads = 1; ordinary multi-head attention is
num_kv_heads = num_heads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .attention import scaled_dot_product_attention
from .masking import causal_mask
from .multihead import merge_heads, split_heads

__all__ = ["KVCache", "decode_step", "cached_step", "incremental_self_attention", "causal_self_attention",
           "grouped_query_attention", "kv_cache_bytes", "ModelShape", "MODEL_SHAPES"]


@dataclass
class KVCache:
    """The keys and values of the tokens seen so far, per head: K, V (num_kv_heads, t, d_head),
    t growing by one per step."""

    K: np.ndarray | None = None
    V: np.ndarray | None = None

    def append(self, k: np.ndarray, v: np.ndarray) -> None:
        """k, v: (num_kv_heads, 1, d_head), the new token's key and value."""
        self.K = k if self.K is None else np.concatenate([self.K, k], axis=-2)
        self.V = v if self.V is None else np.concatenate([self.V, v], axis=-2)

    @property
    def length(self) -> int:
        return 0 if self.K is None else self.K.shape[-2]


def grouped_query_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray,
                            mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention where groups of query heads share a key/value head.

    Q: (..., num_heads, n_q, d_k); K: (..., num_kv_heads, n_k, d_k); V: (..., num_kv_heads, n_k, d_v)
    with num_kv_heads dividing num_heads; mask: bool broadcastable to (..., num_heads, n_q, n_k).
    Returns (output (..., num_heads, n_q, d_v), weights (..., num_heads, n_q, n_k)).
    """
    h, g = Q.shape[-3], K.shape[-3]
    if K.shape[-3] != V.shape[-3]:
        raise ValueError(f"K has {g} heads but V has {V.shape[-3]}: they must have the same number")
    if g == 0 or h % g:
        raise ValueError(f"{h} query heads cannot share {g} key/value heads: num_kv_heads must divide num_heads")
    group = h // g
    K, V = np.repeat(K, group, axis=-3), np.repeat(V, group, axis=-3)   # kv head j serves heads j*group..
    return scaled_dot_product_attention(Q, K, V, mask)


def _project(x: np.ndarray, W: np.ndarray, heads: int) -> np.ndarray:
    return split_heads(x @ W, heads)


def causal_self_attention(X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray,
                          W_o: np.ndarray, num_heads: int, num_kv_heads: int | None = None) -> np.ndarray:
    """Causal (grouped-query) self-attention over a whole sequence at once.

    X: (n, d_model); W_q, W_o: (d_model, d_model); W_k, W_v: (d_model, num_kv_heads * d_head)
    with d_head = d_model / num_heads. -> (n, d_model).
    """
    kv = num_heads if num_kv_heads is None else num_kv_heads
    Q, K, V = _project(X, W_q, num_heads), _project(X, W_k, kv), _project(X, W_v, kv)
    out, _ = grouped_query_attention(Q, K, V, causal_mask(X.shape[-2]))
    return merge_heads(out) @ W_o


def decode_step(x: np.ndarray, cache: KVCache, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray,
                W_o: np.ndarray, num_heads: int, num_kv_heads: int | None = None) -> np.ndarray:
    """One generation step: x (d_model,), the newest token, -> (d_model,), its attention output.
    Its key and value are appended to ``cache``; its query attends to every cached token (all
    earlier ones and itself), so no mask is needed."""
    kv = num_heads if num_kv_heads is None else num_kv_heads
    x = np.asarray(x, dtype=np.float64)[None, :]                            # (1, d_model)
    cache.append(_project(x, W_k, kv), _project(x, W_v, kv))                # (kv, 1, d_head) each
    out, _ = grouped_query_attention(_project(x, W_q, num_heads), cache.K, cache.V)
    return (merge_heads(out) @ W_o)[0]


def cached_step(x: np.ndarray, K_cache: np.ndarray, V_cache: np.ndarray, W_q: np.ndarray, W_k: np.ndarray,
                W_v: np.ndarray, W_o: np.ndarray, num_heads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`decode_step` on plain arrays, for a batch: x (..., d_model) the newest token of each
    sequence; K_cache, V_cache (..., num_kv_heads, t, d_head) the earlier tokens' keys and values
    (t may be 0); W_q, W_o (d_model, d_model); W_k, W_v (d_model, num_kv_heads * d_head) with
    d_head = d_model / num_heads. Returns (y (..., d_model), K (..., num_kv_heads, t + 1, d_head),
    V likewise): the token's attention output and the caches with its key and value appended."""
    x = np.asarray(x, dtype=np.float64)[..., None, :]                      # (..., 1, d_model)
    kv = K_cache.shape[-3]
    K = np.concatenate([K_cache, split_heads(x @ W_k, kv)], axis=-2)       # (..., kv, t + 1, d_head)
    V = np.concatenate([V_cache, split_heads(x @ W_v, kv)], axis=-2)
    out, _ = grouped_query_attention(split_heads(x @ W_q, num_heads), K, V)
    return (merge_heads(out) @ W_o)[..., 0, :], K, V


def incremental_self_attention(X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray,
                               W_o: np.ndarray, num_heads: int, num_kv_heads: int | None = None
                               ) -> tuple[np.ndarray, KVCache]:
    """The rows of :func:`causal_self_attention` computed one token at a time with a KV cache.
    X: (n, d_model) -> ((n, d_model), the cache after the last token)."""
    cache = KVCache()
    rows = [decode_step(x, cache, W_q, W_k, W_v, W_o, num_heads, num_kv_heads) for x in np.asarray(X)]
    return np.stack(rows), cache


def kv_cache_bytes(layers: int, kv_heads: int, d_head: int, tokens: int, batch: int = 1,
                   bytes_per_number: int = 2) -> int:
    """Bytes of the KV cache: 2 (K and V) x layers x kv_heads x d_head x tokens x batch x bytes."""
    return 2 * layers * kv_heads * d_head * tokens * batch * bytes_per_number


@dataclass(frozen=True)
class ModelShape:
    """What the KV cache of a model depends on (from its published configuration)."""

    name: str
    layers: int
    heads: int
    kv_heads: int
    d_head: int
    context: int
    source: str = field(default="", compare=False)

    def cache_bytes(self, tokens: int | None = None, batch: int = 1, bytes_per_number: int = 2) -> int:
        return kv_cache_bytes(self.layers, self.kv_heads, self.d_head,
                              self.context if tokens is None else tokens, batch, bytes_per_number)


#: Published configurations (the models' config.json files): GPT-2 small uses multi-head
#: attention, Llama 3 8B grouped-query attention with 8 key/value heads for 32 query heads.
MODEL_SHAPES = (
    ModelShape("GPT-2 small", layers=12, heads=12, kv_heads=12, d_head=64, context=1024,
               source="openai-community/gpt2 config.json: n_layer 12, n_head 12, n_embd 768, n_positions 1024"),
    ModelShape("Llama 3 8B", layers=32, heads=32, kv_heads=8, d_head=128, context=8192,
               source="meta-llama/Meta-Llama-3-8B config.json: num_hidden_layers 32, num_attention_heads 32, "
                      "num_key_value_heads 8, hidden_size 4096, max_position_embeddings 8192"),
)
