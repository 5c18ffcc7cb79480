"""Softmax: turning scores into weights that are positive and sum to 1.

    softmax(x)_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))

Subtracting the maximum changes nothing mathematically (it cancels between
numerator and denominator) but keeps ``exp`` from overflowing for large scores.
"""

from __future__ import annotations

import numpy as np

from .validation import as_array, check_positive

__all__ = ["softmax"]


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
