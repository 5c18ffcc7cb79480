"""Shape mistakes: code written for one number of axes (K.T on batched arrays, a fixed unpacking
of X.shape), results that only broadcast to the expected shape, a pair returned in the wrong
order. X is (..., n, d_model) and the weights (..., n_q, n_k) unless stated."""

from __future__ import annotations

import numpy as np

__all__ = ["kt_fix", "KT_FIX", "KT_HINT", "EINSUM", "batch_axes",
           "unbatched_only", "only_broadcasts", "swapped_pair", "per_token"]


def kt_fix(axes: str = "n_k and d_k", each: str = "batch element", that: str = "element") -> str:
    """K.T on K (..., n_k, d_k) with leading ``axes``: swap only the last two."""
    return (f"K.T reverses every axis; swap only the last two ({axes}), so that each {each}'s "
            f"queries meet that {that}'s keys.")


KT_FIX = kt_fix()
KT_HINT = f"K has leading batch axes here: {KT_FIX}"
EINSUM = "In einsum, write '...' for the leading axes."


def batch_axes(k: int) -> str:
    """"1 leading batch axis", "2 leading batch axes"."""
    return f"{k} leading batch {'axis' if k == 1 else 'axes'}"


def unbatched_only(subject: str, shape: tuple[int, ...], two_d: str, closing: str) -> str:
    """``subject`` (e.g. "It works") for a single sentence X (n, d_model) but not for X of
    ``shape``: ``two_d`` lists what only works in 2-d, ``closing`` what works for any axes."""
    return (f"{subject} for a single sentence X of shape (n, d_model) but not for X of shape "
            f"{shape}, which has {len(shape) - 2} leading batch axis(es) in front of (n, d_model). "
            f"Things that only work in 2-d: {two_d}. {closing}")


def only_broadcasts(shape: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """A result of ``shape`` that broadcasts to the ``expected`` one without being it; "" else."""
    if shape == expected or not shape or not expected:
        return ""
    try:
        broadcasts = np.broadcast_shapes(shape, expected) == expected
    except ValueError:
        broadcasts = False
    if not broadcasts:
        return ""
    return (f"Shape {shape} only broadcasts to {expected}: every axis of length 1 there should have "
            "its full length (for example one row per query even where the mask has a single row).")


def swapped_pair(label: str, like: str = "") -> str:
    """``label`` returned (weights, output) instead of (output, weights); ``like``: the library
    layer that returns them so (e.g. ", as nn.MultiheadAttention does")."""
    return (f"{label} returned (weights, output), in that order: return the output first and the "
            f"weights second, (output, weights){like}.")


def per_token(shape: tuple[int, ...], like: str = "X") -> str:
    """The expected output's ``shape``: one row of d_model features per token, like the input
    ``like``."""
    return f"The output has one row of d_model features per token, like {like}: {shape}."
