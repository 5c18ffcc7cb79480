"""Precision mistakes: a result computed in float32 where float64 was asked for."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import matches

__all__ = ["float32", "in_float32"]


def float32(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to float32 (and back): what code that converts its input to float32 sees."""
    return x.astype(np.float32).astype(np.float64)


def in_float32(expected32: np.ndarray, expected: np.ndarray, *, rtol: float = 2e-6,
               atol: float = 1e-6, why: str = "") -> tuple[Any, str]:
    """Recognise a result computed in float32: close to ``expected32`` (the result for the
    float32-rounded inputs) to float32 precision, but not to the precision asked for. ``why``:
    what float32 cannot do on this exercise's inputs (ends the message)."""
    return (lambda a: a.shape == expected.shape and matches(a, expected32, rtol, atol),
            "It agrees with the expected result only to about 7 significant digits, the "
            "precision of float32: somewhere the numbers were converted to float32 (np.float32, "
            ".astype(np.float32), torch.tensor of a list, .float(), ...). Keep numpy's default "
            f"float64{why}.")
