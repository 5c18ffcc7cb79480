"""Input checks shared by every module.

Each function either returns a clean ``float64`` array or raises a ``ValueError``
whose message names the argument and says what is wrong with it, in the
vocabulary of the course (queries, keys, values, features).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["as_array", "check_finite", "check_matching_features", "check_positive"]


def as_array(x: Any, name: str, min_ndim: int = 0, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a finite ``float64`` array, or raise ``ValueError``.

    ``name`` is used in the message, e.g. ``"query"``. ``min_ndim`` and ``ndim``
    constrain the number of axes.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {type(x).__name__}: {exc}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axes, got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity, saying how many and where."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[first]) else "infinite"
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s); the first, at index {first}, is {kind}"
        )


def check_matching_features(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Raise ``ValueError`` unless the last axes of ``a`` and ``b`` have the same length.

    Dot products only make sense between vectors of the same length, e.g. a
    query ``(..., d)`` and keys ``(n, d)``.
    """
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{a_name} has {a.shape[-1]} features (shape {a.shape}) but {b_name} has "
            f"{b.shape[-1]} (shape {b.shape}): their last dimensions must match"
        )


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise ``ValueError``."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value!r}")
    return v
