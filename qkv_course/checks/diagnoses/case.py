"""One attention computation as the grader sees it, and the form of a list of diagnoses.

Scaled dot-product attention and self-attention (ps04), cross-attention (ps05), multi-head
attention (ps06) and chunked attention (ps10) all work with queries ``Q (..., n_q, d_k)``, keys
``K (..., n_k, d_k)`` and values ``V (..., n_k, d_v)``, with any leading batch (and head) axes
``...`` and an optional boolean mask, True = may attend, that broadcasts against the scores
``(..., n_q, n_k)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ... import attention
from ...softmax import masked_softmax, softmax

__all__ = ["Attention", "Diagnoses", "RTOL", "ATOL", "attempt"]

#: (what a mistake returns, or a predicate on the student's array; the message naming it)
Diagnoses = list[tuple[Any, str]]

#: Relative tolerance: loose enough for answers computed in float32 (PyTorch's default dtype),
#: far tighter than any real mistake. The absolute tolerance scales with the values.
RTOL = 1e-4
ATOL = 1e-6


def attempt(f: Callable[[], np.ndarray]) -> np.ndarray | None:
    """What a mistaken computation returns, or None where that mistake cannot even run."""
    try:
        with np.errstate(all="ignore"):
            return f()
    except (ValueError, IndexError):
        return None


@dataclass
class Attention:
    """One attention computation as the grader sees it.

    Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v): what the student's function should
    form from its arguments; mask: bool broadcastable to (..., n_q, n_k), or None. The expected
    ``output`` and ``weights`` come from :func:`qkv_course.attention.scaled_dot_product_attention`.
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    mask: np.ndarray | None = None
    output: np.ndarray = field(init=False)
    weights: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.output, self.weights = attention.scaled_dot_product_attention(self.Q, self.K, self.V, self.mask)

    @property
    def batch(self) -> tuple[int, ...]:
        return self.weights.shape[:-2]

    @property
    def n_q(self) -> int:
        return self.Q.shape[-2]

    @property
    def n_k(self) -> int:
        return self.K.shape[-2]

    @property
    def d_k(self) -> int:
        return self.Q.shape[-1]

    @property
    def d_v(self) -> int:
        return self.V.shape[-1]

    @property
    def raw(self) -> np.ndarray:
        """The scores before the division by sqrt(d_k), (..., n_q, n_k)."""
        return self.Q @ np.swapaxes(self.K, -1, -2)

    @property
    def scaled(self) -> np.ndarray:
        return self.raw / np.sqrt(self.d_k)

    @property
    def allowed(self) -> np.ndarray | None:
        """The mask broadcast to the scores' shape (None without a mask)."""
        return None if self.mask is None else np.broadcast_to(self.mask, self.weights.shape)

    @property
    def blocked(self) -> np.ndarray | None:
        """Where the weights must be exactly 0 (None if the mask blocks nothing)."""
        allowed = self.allowed
        return None if allowed is None or allowed.all() else ~allowed

    @property
    def empty(self) -> np.ndarray | None:
        """(..., n_q) bool: the queries whose mask row allows no key (None without such rows)."""
        allowed = self.allowed
        if allowed is None:
            return None
        empty = ~allowed.any(axis=-1)
        return empty if empty.any() else None

    def softmax(self, scores: np.ndarray, allowed: Any = "mask", axis: int = -1) -> np.ndarray:
        """Softmax of ``scores`` with this case's mask (or ``allowed``, None for none)."""
        allowed = self.allowed if isinstance(allowed, str) else allowed
        with np.errstate(all="ignore"):
            return softmax(scores, axis) if allowed is None else masked_softmax(scores, allowed, axis)
