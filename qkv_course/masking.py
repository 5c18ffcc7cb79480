"""Masks say which keys each query may attend to. Convention: boolean, **True = may attend**.

A mask is broadcast against the scores ``(..., n_q, n_k)``, so its shape only
needs the axes it varies along:

* causal (GPT-style): ``(n, n)``, query i sees keys 0..i;
* padding (batches of unequal lengths): ``(batch, n_k)`` marks real tokens; as an
  attention mask it must vary along the *key* axis, i.e. ``(batch, 1, n_k)``
  (or ``(batch, 1, 1, n_k)`` with a heads axis).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .validation import as_array

__all__ = ["causal_mask", "padding_mask", "key_padding_mask", "combine_masks", "check_mask", "masked_weight"]


def causal_mask(n: int) -> np.ndarray:
    """(n, n) bool, True where key position j <= query position i (the lower triangle)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive whole number, got {n!r}")
    n = int(n)
    return np.arange(n)[None, :] <= np.arange(n)[:, None]


def padding_mask(lengths: Sequence[int] | np.ndarray, max_len: int) -> np.ndarray:
    """(batch, max_len) bool, True at the first ``lengths[b]`` (real) positions of sequence b."""
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths must be a 1-d array of whole numbers, got {lengths!r}")
    if (lengths < 0).any() or (lengths > max_len).any():
        raise ValueError(f"every length must be between 0 and max_len={max_len}, got {lengths.tolist()}")
    return np.arange(max_len)[None, :] < lengths[:, None]


def key_padding_mask(padding: np.ndarray, heads: bool = False) -> np.ndarray:
    """Turn a (batch, n_k) padding mask into an attention mask over keys.

    Returns (batch, 1, n_k), or (batch, 1, 1, n_k) with ``heads=True``: the new
    axes of length 1 broadcast over queries (and heads), so every query of
    sequence b ignores b's padding keys.
    """
    padding = np.asarray(padding)
    if padding.ndim != 2 or padding.dtype != np.bool_:
        raise ValueError(f"padding must be a (batch, n_k) boolean array, got {padding.dtype} {padding.shape}")
    mask = padding[:, None, :]
    return mask[:, None] if heads else mask


def combine_masks(*masks: np.ndarray) -> np.ndarray:
    """Positions allowed by *every* mask (logical and, with broadcasting)."""
    if not masks:
        raise ValueError("combine_masks needs at least one mask")
    out = check_mask(masks[0])
    for m in masks[1:]:
        out = out & check_mask(m)
    return out


def check_mask(mask: np.ndarray, scores_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Return ``mask`` as a bool array, or raise ``ValueError`` naming the problem
    (not boolean, or not broadcastable to ``scores_shape``)."""
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
    if scores_shape is not None:
        try:
            np.broadcast_shapes(m.shape, tuple(scores_shape))
        except ValueError:
            raise ValueError(
                f"mask of shape {m.shape} does not broadcast to the scores' shape {tuple(scores_shape)} "
                "(..., n_q, n_k)"
            ) from None
        if np.broadcast_shapes(m.shape, tuple(scores_shape)) != tuple(scores_shape):
            raise ValueError(f"mask of shape {m.shape} has more or longer axes than the scores {tuple(scores_shape)}")
    return m


def masked_weight(weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How much attention weight each query puts on keys that ``mask`` forbids.

    weights: (..., n_q, n_k); mask: bool broadcastable to it, True = may attend.
    Returns (..., n_q). A correctly masked attention gives exactly 0 everywhere;
    anything else means the mask was ignored or broadcast along the wrong axis
    (e.g. a padding mask over queries instead of keys).
    """
    w = as_array(weights, "weights", min_ndim=2)
    m = np.broadcast_to(check_mask(mask, w.shape), w.shape)
    return np.where(m, 0.0, w).sum(axis=-1)
