"""Queries, keys and values as three learned linear maps of the same tokens.

    Q = X W_q,   K = X W_k,   V = X W_v

``X`` holds one embedding per token, ``(..., n, d_model)``. ``W_q`` decides
what each token *looks for*, ``W_k`` what it *offers to be found by*, and
``W_v`` what it *hands over* once it is found. The torch version of these maps
is :class:`qkv_course.nn.QKVProjection`.
"""

from __future__ import annotations

import numpy as np

from .embeddings import embed, embedding_table, init_projections
from .validation import as_array

__all__ = ["embedding_table", "embed", "project_qkv", "init_projections", "parameter_count"]


def _check_weight(W: np.ndarray, name: str, d_model: int) -> np.ndarray:
    W = as_array(W, name, ndim=2)
    if W.shape[0] != d_model:
        raise ValueError(
            f"{name} has shape {W.shape} but X has d_model={d_model} features: "
            f"{name} must be (d_model, d_out) = ({d_model}, ...)"
        )
    return W


def project_qkv(
    X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project token embeddings to queries, keys and values.

    X: (..., n, d_model); W_q, W_k: (d_model, d_k); W_v: (d_model, d_v)
    -> Q: (..., n, d_k), K: (..., n, d_k), V: (..., n, d_v).
    """
    X = as_array(X, "X", min_ndim=2)
    d_model = X.shape[-1]
    W_q = _check_weight(W_q, "W_q", d_model)
    W_k = _check_weight(W_k, "W_k", d_model)
    W_v = _check_weight(W_v, "W_v", d_model)
    if W_q.shape[1] != W_k.shape[1]:
        raise ValueError(
            f"W_q gives queries of size {W_q.shape[1]} but W_k gives keys of size {W_k.shape[1]}: "
            "queries and keys are compared by dot products, so both must have d_k columns"
        )
    return X @ W_q, X @ W_k, X @ W_v


def parameter_count(d_model: int, d_k: int, d_v: int | None = None, bias: bool = False) -> int:
    """Number of learned numbers in the three projections: d_model * (2 d_k + d_v),
    plus 2 d_k + d_v with biases."""
    d_v = d_k if d_v is None else d_v
    return d_model * (2 * d_k + d_v) + (2 * d_k + d_v if bias else 0)
