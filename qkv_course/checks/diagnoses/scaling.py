"""Scaling mistakes: the scores Q K^T (..., n_q, n_k) divided by something other than sqrt(d_k)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .case import Attention, Diagnoses

__all__ = ["wrong_scales", "by_sqrt_d_model"]


def wrong_scales(att: Attention, extra: Sequence[tuple[float, str]] = ()) -> Diagnoses:
    """(weights, message) for the scores divided by a wrong number: none, d_k, sqrt(d_v),
    sqrt(n_k), sqrt(n_q), 1 / sqrt(d_k), then ``extra`` ``(divisor, message)`` pairs; a divisor
    equal to sqrt(d_k) on this case is left out."""
    d_k, d_v, n_q, n_k = att.d_k, att.d_v, att.n_q, att.n_k
    scales = [
        (1.0, "The weights are softmax(Q K^T) without the scaling: divide the scores by sqrt(d_k) "
              f"before the softmax, with d_k = {d_k} the size of each query and key (chapter 4 "
              "measures why)."),
        (float(d_k), f"The scores were divided by d_k = {d_k}; divide by its square root, sqrt(d_k)."),
        (np.sqrt(d_v), f"The scores were divided by sqrt(d_v), with d_v = {d_v} the size of the "
                       "values; the scale comes from the size of the queries and keys, d_k."),
        *[(np.sqrt(n), f"The scores were divided by the square root of the number of {what} "
                       f"({name} = {n}); the scale comes from the size of each query and key, d_k.")
          for n, what, name in ((n_k, "keys", "n_k"), (n_q, "queries", "n_q"))],
        (1 / np.sqrt(d_k), "The scores were multiplied by sqrt(d_k); divide them by it instead."),
        *extra,
    ]
    return [(att.softmax(att.raw / factor), message) for factor, message in scales
            if not np.isclose(factor, np.sqrt(d_k))]


def by_sqrt_d_model(d_model: int, d_k: int, heads: bool = False) -> str:
    """The scores divided by sqrt(d_model), the embeddings' size, instead of sqrt(d_k) (``heads``:
    multi-head attention, where d_k = d_head = d_model / num_heads)."""
    why = (f"; each head compares queries and keys of size d_head = d_model / num_heads = {d_k}, so "
           "divide by sqrt(d_head)." if heads else
           f" the size of the embeddings; the scale is the size of the queries and keys, d_k = {d_k}.")
    return f"The scores were divided by sqrt(d_model), with d_model = {d_model}{why}"
