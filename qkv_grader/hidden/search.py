"""Hidden cases of ps01, "Search as attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.search`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.search import Case, _corpus, _random, _with_tie


def dot_scores_cases() -> list[Case]:
    """The (query, keys) of dot_scores."""
    queries, keys, _ = _corpus()
    q3, k3, _ = _random((2, 3), n=5, d=4, d_v=2, seed=1)
    q1, k1, _ = _random((), n=6, d=1, d_v=2, seed=2)
    return [Case((queries[0], keys)), Case((queries, keys)), Case((q3, k3)), Case((q1, k1))]

def hard_lookup_cases() -> list[Case]:
    """The (query, keys, values) of hard_lookup."""
    queries, keys, values = _corpus()
    q3, k3, v3 = _random((2, 3), n=5, d=4, d_v=3, seed=3)
    tq, tk, tv = _with_tie()
    return [Case((queries, keys, values)), Case((q3, k3, v3)), Case((np.stack([tq, -tq]), tk, tv))]

def soft_lookup_cases() -> list[Case]:
    """The (query, keys, values) and temperatures of soft_lookup."""
    queries, keys, values = _corpus()
    q3, k3, v3 = _random((2, 3), n=5, d=4, d_v=3, seed=4)
    big_q, big_k, big_v = _random((3,), n=6, d=4, d_v=2, scale=25.0, seed=5)
    return [
        Case((queries, keys, values)),
        Case((queries, keys, values), {"temperature": 0.25}),
        Case((q3, k3, v3), {"temperature": 3.0}),
        Case((q3, k3, v3), {"temperature": 0.01}),
        Case((big_q, big_k, big_v)),
    ]
