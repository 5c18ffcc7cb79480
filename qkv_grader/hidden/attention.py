"""Hidden cases of ps04 (instructor side only): the inputs that
:mod:`qkv_course.checks.attention`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.embeddings import init_projections
from qkv_course.masking import causal_mask, key_padding_mask, padding_mask
from qkv_course.checks.attention import Case, _random


def sdpa_cases():
    """The hidden inputs of _sdpa_cases."""
    some = np.random.default_rng(2).random((3, 6)) < 0.6
    some[1] = False
    some[0, 0] = some[2, 5] = True
    padding = key_padding_mask(padding_mask([5, 2], 5), heads=True)        # (2, 1, 1, 5)
    per_item = np.ones((2, 4, 4), dtype=bool)
    per_item[1] = False                                                     # batch item 1 sees nothing
    return [
        Case(_random((), n_q=4, n_k=7, d_k=5, d_v=3, seed=3)),
        Case(_random((3,), n_q=2, n_k=3, d_k=3, d_v=4, seed=4)),           # here Q @ K.T runs
        Case(_random((2,), n_q=3, n_k=6, d_k=4, d_v=5, seed=5), some),      # (n_q, n_k) mask
        Case(_random((2, 3), n_q=4, n_k=5, d_k=8, d_v=3, seed=6), padding),  # two batch axes
        Case(_random((2,), n_q=4, n_k=4, d_k=6, d_v=2, seed=7), causal_mask(4)),
        Case(_random((2,), n_q=4, n_k=4, d_k=3, d_v=5, seed=8), per_item),
        Case(_random((), n_q=5, n_k=3, d_k=2, d_v=4, seed=9), np.array([[True, False, True]])),
        Case(_random((3,), n_q=4, n_k=6, d_k=4, d_v=2, seed=10, scale=100.0)),  # scores ~ 1e4
        # scores ~ 1e4 under a causal mask: blocked (future) keys hold the largest scores of some rows
        Case(_random((2,), n_q=4, n_k=4, d_k=4, d_v=3, seed=13, scale=100.0), causal_mask(4)),
        Case(_random((2,), n_q=3, n_k=4, d_k=2, d_v=3, seed=14), np.array([True, False, True, True])),
        Case(_random((), n_q=1, n_k=1, d_k=1, d_v=1, seed=11)),
        Case(_random((2,), n_q=1, n_k=4, d_k=1, d_v=3, seed=12)),
    ]


def self_cases():
    """The hidden inputs of _self_cases: (X, W_q, W_k, W_v), d_model=6, d_k=3, d_v=2 unless stated."""
    rng = np.random.default_rng(20)
    W = init_projections(6, 3, 2, seed=22)
    W_wide = init_projections(5, 7, 4, seed=24)
    W_one = init_projections(3, 1, 2, seed=25)
    pad = key_padding_mask(padding_mask([5, 3], 5))                         # (2, 1, 5)
    return [
        Case((rng.normal(size=(2, 5, 6)),) + W),
        Case((rng.normal(size=(2, 3, 4, 6)),) + W, causal_mask(4)),
        Case((rng.normal(size=(2, 5, 5)),) + W_wide, pad),
        Case((3.0 * rng.normal(size=(1, 3)),) + W_one),
        Case((rng.normal(size=(3, 6, 3)),) + W_one, causal_mask(6)),
    ]
