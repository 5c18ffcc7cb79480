"""Chapter 1: search as attention.

A search engine compares a *query* with the *keys* of every item (here, video
titles) and hands back the items' *values*. This module makes that executable:

* titles and queries become bag-of-words vectors over a small vocabulary,
* ``dot_scores`` compares one query with every key,
* ``hard_lookup`` returns the value of the single best key (a dictionary lookup),
* ``soft_lookup`` returns a softmax-weighted average of *all* values (attention).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable, Sequence

import numpy as np

from .softmax import softmax
from .validation import as_array, check_matching_features

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

#: Words too common to say anything about a video's subject.
STOPWORDS = frozenset(
    "a an and at do every first for how in it its like of off on one the this to "
    "what why with your you".split()
)


@dataclass(frozen=True)
class Video:
    """One item of the course's small video corpus."""

    title: str
    topic: str
    minutes: int


def load_videos() -> list[Video]:
    """Load the course's corpus of video titles (shipped in ``qkv_course/data/videos.csv``)."""
    text = resources.files("qkv_course").joinpath("data/videos.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return [Video(r["title"], r["topic"], int(r["minutes"])) for r in rows]


def tokenize(text: str) -> list[str]:
    """Lower-case ``text``, split it into words and drop stopwords.

    >>> tokenize("How to cook perfect rice every time")
    ['cook', 'perfect', 'rice', 'time']
    """
    return [w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS]


def build_vocabulary(texts: Iterable[str]) -> list[str]:
    """The sorted list of distinct words in ``texts`` (after ``tokenize``)."""
    return sorted({w for t in texts for w in tokenize(t)})


def bag_of_words(texts: str | Sequence[str], vocabulary: Sequence[str]) -> np.ndarray:
    """Count how often each vocabulary word occurs in each text.

    texts: one string, or a sequence of ``n`` strings.
    Returns ``(d,)`` for one string or ``(n, d)`` for ``n`` strings, where
    ``d = len(vocabulary)``. Words outside the vocabulary are ignored.
    """
    index = {w: i for i, w in enumerate(vocabulary)}
    single = isinstance(texts, str)
    rows = [texts] if single else list(texts)
    counts = np.zeros((len(rows), len(vocabulary)))
    for r, text in enumerate(rows):
        for w in tokenize(text):
            if w in index:
                counts[r, index[w]] += 1
    return counts[0] if single else counts


def one_hot(labels: Sequence[str], categories: Sequence[str]) -> np.ndarray:
    """``(n, c)`` matrix with a 1 in the column of each label's category."""
    col = {c: i for i, c in enumerate(categories)}
    out = np.zeros((len(labels), len(categories)))
    for r, label in enumerate(labels):
        if label not in col:
            raise ValueError(f"label {label!r} is not one of the categories {list(categories)}")
        out[r, col[label]] = 1.0
    return out


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
