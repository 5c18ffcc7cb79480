"""Chapter 1: search as attention.

A search engine compares a *query* with the *keys* of every item (here, video
titles) and hands back the items' *values*. This module makes that executable:

* titles and queries become bag-of-words vectors over a small vocabulary,
* ``dot_scores`` compares one query with every key,
* ``hard_lookup`` returns the value of the single best key (a dictionary lookup),
* ``soft_lookup`` returns a softmax-weighted average of *all* values (attention).
"""

from __future__ import annotations

import numpy as np

from .softmax import softmax
from .validation import as_array, check_matching_features
from .videos import STOPWORDS, Video, bag_of_words, build_vocabulary, load_videos, one_hot, tokenize

__all__ = [
    "STOPWORDS",
    "Video",
    "load_videos",
    "tokenize",
    "build_vocabulary",
    "bag_of_words",
    "one_hot",
    "dot_scores",
    "rank",
    "top_k",
    "hard_lookup",
    "soft_lookup",
    "attention_weights",
]

def dot_scores(query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Score every key against the query: ``scores[..., i] = query[...] · keys[i]``.

    query: (..., d), keys: (n, d) -> scores: (..., n)
    """
    q = as_array(query, "query", min_ndim=1)
    k = as_array(keys, "keys", ndim=2)
    check_matching_features(q, "query", k, "keys")
    return q @ k.T


def rank(scores: np.ndarray) -> np.ndarray:
    """Indices that sort the last axis of ``scores`` from best to worst (stable on ties)."""
    s = as_array(scores, "scores", min_ndim=1)
    return np.argsort(-s, axis=-1, kind="stable")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores along the last axis, best first."""
    n = np.shape(scores)[-1]
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of keys ({n}), got {k}")
    return rank(scores)[..., :k]


def _check_values(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    v = as_array(values, "values", ndim=2)
    if v.shape[0] != np.shape(keys)[0]:
        raise ValueError(
            f"there are {np.shape(keys)[0]} keys but {v.shape[0]} values: "
            "every key needs exactly one value row"
        )
    return v


def hard_lookup(query: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the value row whose key scores highest (the first such key on ties).

    query: (..., d), keys: (n, d), values: (n, d_v) -> (..., d_v)
    """
    scores = dot_scores(query, keys)
    v = _check_values(keys, values)
    return v[np.argmax(scores, axis=-1)]


def attention_weights(query: np.ndarray, keys: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of the dot-product scores divided by ``temperature``.

    query: (..., d), keys: (n, d) -> weights: (..., n), each row summing to 1.
    """
    return softmax(dot_scores(query, keys), axis=-1, temperature=temperature)


def soft_lookup(
    query: np.ndarray, keys: np.ndarray, values: np.ndarray, temperature: float = 1.0
) -> np.ndarray:
    """Blend *all* value rows, weighted by ``softmax(scores / temperature)``.

    query: (..., d), keys: (n, d), values: (n, d_v) -> (..., d_v)
    As ``temperature`` falls towards 0 this approaches ``hard_lookup``.
    """
    weights = attention_weights(query, keys, temperature)
    return weights @ _check_values(keys, values)
