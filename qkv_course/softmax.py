"""Softmax: turning scores into weights that are positive and sum to 1.

    softmax(x)_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))

Subtracting the maximum changes nothing mathematically (it cancels between
numerator and denominator) but keeps ``exp`` from overflowing for large scores.
"""

from __future__ import annotations

import numpy as np

from .validation import as_array, check_positive

__all__ = ["softmax", "logsumexp", "log_softmax", "masked_softmax"]


def softmax(x: np.ndarray, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """Numerically stable softmax of ``x / temperature`` along ``axis``.

    x: (...,) any shape. Returns an array of the same shape whose slices along
    ``axis`` are positive and sum to 1. Low temperatures sharpen the weights
    towards the argmax; high temperatures flatten them towards uniform.
    """
    z = as_array(x, "x", min_ndim=1) / check_positive(temperature, "temperature")
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(sum(exp(x)))`` along ``axis``, computed without overflow.

    x: (...,) -> the same shape with ``axis`` removed. ``log(softmax(x)) = x - logsumexp(x)``.
    """
    z = as_array(x, "x", min_ndim=1)
    m = z.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(softmax(x))`` along ``axis``, computed as ``x - logsumexp(x)``.

    x: (...,) -> the same shape. Stays finite where ``softmax`` underflows to 0
    (and its log to ``-inf``): a weight of ``exp(-800)`` has log ``-800``.
    """
    z = as_array(x, "x", min_ndim=1)
    return z - np.expand_dims(logsumexp(z, axis=axis), axis)


def masked_softmax(scores: np.ndarray, mask: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax of ``scores`` along ``axis`` over the positions where ``mask`` is True.

    scores: (...,); mask: boolean, broadcastable to ``scores``, True = may attend.
    Masked positions get exactly 0 weight. A slice with no allowed position gets
    all zeros (not NaN): there is nothing to attend to, so nothing is mixed in.
    """
    s = as_array(scores, "scores", min_ndim=1)
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
    try:
        m = np.broadcast_to(m, s.shape)
    except ValueError:
        raise ValueError(f"mask of shape {m.shape} does not broadcast to scores of shape {s.shape}") from None
    # Masked scores become -inf; a fully masked slice has max -inf, so shift it by 0 instead.
    z = np.where(m, s, -np.inf)
    top = z.max(axis=axis, keepdims=True)
    e = np.where(m, np.exp(z - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)
