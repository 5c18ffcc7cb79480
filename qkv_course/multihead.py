"""Multi-head attention: several attentions side by side, in one set of matrices.

    Q = X W_q,  K = X W_k,  V = X W_v                      (..., n, d_model)
    head_h = Attention(Q_h, K_h, V_h)   with Q_h = columns h*d_head:(h+1)*d_head of Q
    MultiHead(X) = Concat(head_0, ..., head_{H-1}) W_o      (..., n, d_model)

with ``d_head = d_model // num_heads``. Splitting the columns of ``X W_q`` into
heads is the same as giving every head its own ``(d_model, d_head)`` slice of
``W_q``, so ``num_heads`` heads hold exactly as many parameters as one head of
size ``d_model``. In code the split is a reshape of the feature axis into
``(num_heads, d_head)`` followed by a transpose that puts the heads in front of
the tokens, ``(..., num_heads, n, d_head)``, so that one batched attention call
runs every head at once. The torch version is :class:`qkv_course.nn.MultiHeadAttention`.
"""

from __future__ import annotations

import numpy as np

from .attention import scaled_dot_product_attention
from .masking import check_mask
from .projections import project_qkv
from .validation import as_array

__all__ = ["head_size", "split_heads", "merge_heads", "head_mask", "multi_head_attention", "parameter_count"]


def head_size(d_model: int, num_heads: int) -> int:
    """``d_model // num_heads``, or ``ValueError`` when the features do not split evenly."""
    if int(num_heads) != num_heads or num_heads < 1:
        raise ValueError(f"num_heads must be a positive whole number, got {num_heads!r}")
    if d_model % num_heads:
        raise ValueError(
            f"d_model={d_model} features cannot be split evenly into num_heads={num_heads} heads "
            f"({d_model} is not a multiple of {num_heads})"
        )
    return d_model // int(num_heads)


def _array(X: np.ndarray, min_ndim: int, axes: str) -> np.ndarray:
    """``X`` as an array of at least ``min_ndim`` axes. Splitting and merging only move numbers,
    so NaN and infinity pass through unchanged."""
    X = np.asarray(X)
    if X.ndim < min_ndim:
        raise ValueError(f"X must have at least {min_ndim} axes, {axes}, got shape {X.shape}")
    return X


def split_heads(X: np.ndarray, num_heads: int) -> np.ndarray:
    """(..., n, d_model) -> (..., num_heads, n, d_head), d_head = d_model // num_heads.

    Head h holds the columns ``h*d_head:(h+1)*d_head`` of every token. Raises
    ``ValueError`` when d_model is not a multiple of num_heads.
    """
    X = _array(X, 2, "(..., n, d_model)")
    *batch, n, d_model = X.shape
    d_head = head_size(d_model, num_heads)
    # (..., n, num_heads, d_head): each token's features cut into num_heads pieces ...
    pieces = X.reshape(*batch, n, int(num_heads), d_head)
    # ... then the heads axis moves in front of the tokens.
    return np.swapaxes(pieces, -3, -2)


def merge_heads(X: np.ndarray) -> np.ndarray:
    """(..., num_heads, n, d_head) -> (..., n, num_heads * d_head): the inverse of
    :func:`split_heads`, each token's heads side by side in head order."""
    X = _array(X, 3, "(..., num_heads, n, d_head)")
    *batch, num_heads, n, d_head = X.shape
    return np.swapaxes(X, -3, -2).reshape(*batch, n, num_heads * d_head)


def _check_square(W: np.ndarray, name: str, d_model: int) -> np.ndarray:
    W = as_array(W, name, ndim=2)
    if W.shape != (d_model, d_model):
        raise ValueError(f"{name} has shape {W.shape} but X has d_model={d_model} features: "
                         f"{name} must be (d_model, d_model) = ({d_model}, {d_model})")
    return W


def head_mask(mask: np.ndarray, batch: tuple[int, ...], n: int) -> np.ndarray:
    """A token-level mask, bool broadcastable to (*batch, n, n), given the heads axis:
    (*batch, 1, n, n), shared by every head."""
    m = check_mask(mask, tuple(batch) + (n, n))
    return np.broadcast_to(m, tuple(batch) + (n, n))[..., None, :, :]


def multi_head_attention(
    X: np.ndarray,
    W_q: np.ndarray,
    W_k: np.ndarray,
    W_v: np.ndarray,
    W_o: np.ndarray,
    num_heads: int,
    mask: np.ndarray | None = None,
    *,
    b_q: np.ndarray | None = None,
    b_k: np.ndarray | None = None,
    b_v: np.ndarray | None = None,
    b_o: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head self-attention (no biases unless given).

    X: (..., n, d_model); W_q, W_k, W_v, W_o: (d_model, d_model);
    mask: bool broadcastable to (..., n, n), True = may attend, the same for every head.
    b_q, b_k, b_v, b_o: optional biases (d_model,), added after the matching projection
    (``X @ W_q + b_q``, ..., ``concat @ W_o + b_o``), as in BERT and ``nn.MultiheadAttention``.
    Returns (output (..., n, d_model), weights (..., num_heads, n, n)), one row of
    weights per head and query. A query with no allowed key gets zero weights in every head.
    """
    X = as_array(X, "X", min_ndim=2)
    *batch, n, d_model = X.shape
    W_o = _check_square(W_o, "W_o", d_model)
    for W, name in ((W_q, "W_q"), (W_k, "W_k"), (W_v, "W_v")):
        _check_square(W, name, d_model)
    projected = project_qkv(X, W_q, W_k, W_v)
    biases = (_bias(b_q, "b_q", d_model), _bias(b_k, "b_k", d_model), _bias(b_v, "b_v", d_model))
    Q, K, V = (split_heads(A if b is None else A + b, num_heads) for A, b in zip(projected, biases))
    m = None if mask is None else head_mask(mask, tuple(batch), n)
    heads, weights = scaled_dot_product_attention(Q, K, V, m)   # (..., H, n, d_head)
    output = merge_heads(heads) @ W_o
    b_o = _bias(b_o, "b_o", d_model)
    return (output if b_o is None else output + b_o), weights


def _bias(b: np.ndarray | None, name: str, d_model: int) -> np.ndarray | None:
    """None, or ``b`` checked to be a (d_model,) vector."""
    if b is None:
        return None
    b = as_array(b, name, ndim=1)
    if b.shape != (d_model,):
        raise ValueError(f"{name} has shape {b.shape} but must be (d_model,) = ({d_model},)")
    return b


def parameter_count(d_model: int, num_heads: int, bias: bool = False) -> int:
    """Learned numbers in a multi-head layer: W_q, W_k, W_v and W_o, 4 d_model^2
    (plus 4 d_model with biases), whatever ``num_heads`` divides d_model."""
    head_size(d_model, num_heads)
    return 4 * d_model * d_model + (4 * d_model if bias else 0)
