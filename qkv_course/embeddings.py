"""Token embeddings and fresh projection matrices, for chapter 3's examples and the notebooks.

``embedding_table`` and ``embed`` turn words into the matrix ``X`` of a sentence;
``init_projections`` draws the matrices ``W_q``, ``W_k``, ``W_v`` that a new layer starts from.
None of them projects anything: that is :mod:`qkv_course.projections` (which re-exports these
names), so the grading kernels of problem sets 3 and 4 may import this module.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .validation import as_array

__all__ = ["embedding_table", "embed", "init_projections"]


def embedding_table(vocab_size: int, d_model: int, seed: int = 0) -> np.ndarray:
    """A random embedding table ``(vocab_size, d_model)``, one row per word of a vocabulary.

    Entries are drawn from N(0, 1) with a fixed ``seed``, which is what a freshly built
    model starts from; a trained model has *learned* these rows.
    """
    if vocab_size < 1 or d_model < 1:
        raise ValueError(f"need vocab_size >= 1 and d_model >= 1, got {vocab_size} and {d_model}")
    return np.random.default_rng(seed).normal(size=(vocab_size, d_model))


def embed(tokens: Sequence[str], vocabulary: Sequence[str], table: np.ndarray) -> np.ndarray:
    """Look up each token's row of the embedding ``table``: the sentence as a matrix.

    tokens: n words, vocabulary: vocab_size words, table: (vocab_size, d_model)
    -> X: (n, d_model). Equal tokens get equal rows.
    """
    table = as_array(table, "table", ndim=2)
    if table.shape[0] != len(vocabulary):
        raise ValueError(
            f"the table has {table.shape[0]} rows but the vocabulary has {len(vocabulary)} words: "
            "it needs one row per word"
        )
    index = {word: i for i, word in enumerate(vocabulary)}
    unknown = [t for t in tokens if t not in index]
    if unknown:
        raise ValueError(f"tokens not in the vocabulary: {unknown}")
    return table[[index[t] for t in tokens]].reshape(len(tokens), table.shape[1])


def init_projections(
    d_model: int, d_k: int, d_v: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random projection matrices ``(W_q, W_k, W_v)`` as a freshly built layer would have.

    Entries are drawn from N(0, 1/d_model), so that projected vectors have about
    the same scale as the embeddings. Returns shapes (d_model, d_k), (d_model, d_k),
    (d_model, d_v) with ``d_v = d_k`` by default.
    """
    d_v = d_k if d_v is None else d_v
    rng = np.random.default_rng(seed)
    std = 1.0 / np.sqrt(d_model)
    return (std * rng.normal(size=(d_model, d_k)), std * rng.normal(size=(d_model, d_k)),
            std * rng.normal(size=(d_model, d_v)))
