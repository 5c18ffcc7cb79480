"""Scaled dot-product attention, and self- and cross-attention built on it.

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V

Each query row of ``Q`` is scored against every key row of ``K``; the scores are
divided by sqrt(d_k) so that their spread does not grow with the dimension; a
softmax over the keys turns each query's scores into weights; the output is the
weighted average of the value rows of ``V``.
"""

from __future__ import annotations

import numpy as np

from .masking import check_mask
from .projections import project_qkv
from .softmax import masked_softmax, softmax
from .validation import as_array

__all__ = ["attention_scores", "scaled_dot_product_attention", "self_attention", "cross_attention"]


def attention_scores(Q: np.ndarray, K: np.ndarray, scale: bool = True) -> np.ndarray:
    """Q: (..., n_q, d_k), K: (..., n_k, d_k) -> scores (..., n_q, n_k) = Q K^T / sqrt(d_k)
    (without the division if ``scale`` is False)."""
    Q = as_array(Q, "Q", min_ndim=2)
    K = as_array(K, "K", min_ndim=2)
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(
            f"Q has d_k={Q.shape[-1]} (shape {Q.shape}) but K has d_k={K.shape[-1]} (shape {K.shape}): "
            "queries and keys must have the same size to be compared"
        )
    scores = Q @ np.swapaxes(K, -1, -2)
    return scores / np.sqrt(Q.shape[-1]) if scale else scores


def scaled_dot_product_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention.

    Q: (..., n_q, d_k), K: (..., n_k, d_k), V: (..., n_k, d_v),
    mask: bool broadcastable to (..., n_q, n_k), True = may attend.
    Returns (output (..., n_q, d_v), weights (..., n_q, n_k)). A query with no
    allowed key gets all-zero weights and a zero output row.
    """
    scores = attention_scores(Q, K)
    V = as_array(V, "V", min_ndim=2)
    if V.shape[-2] != scores.shape[-1]:
        raise ValueError(f"K has {scores.shape[-1]} keys but V has {V.shape[-2]} value rows: there must be one value per key")
    if mask is None:
        weights = softmax(scores, axis=-1)
    else:
        weights = masked_softmax(scores, check_mask(mask, scores.shape), axis=-1)
    return weights @ V, weights


def self_attention(
    X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Attention of a sequence to itself: Q, K and V are all projections of X.

    X: (..., n, d_model) -> (output (..., n, d_v), weights (..., n, n)).
    """
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    return scaled_dot_product_attention(Q, K, V, mask)


def cross_attention(
    X_q: np.ndarray,
    X_kv: np.ndarray,
    W_q: np.ndarray,
    W_k: np.ndarray,
    W_v: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Queries from one sequence, keys and values from another (e.g. a translation's
    target attending to its source).

    X_q: (..., n_q, d_model), X_kv: (..., n_kv, d_model)
    -> (output (..., n_q, d_v), weights (..., n_q, n_kv)).
    """
    Q, _, _ = project_qkv(X_q, W_q, W_k, W_v)
    _, K, V = project_qkv(X_kv, W_q, W_k, W_v)
    return scaled_dot_product_attention(Q, K, V, mask)
