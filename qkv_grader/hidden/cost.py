"""Hidden cases of ps10, "The quadratic cost, and how to live with it" (instructor side only): the
inputs that :mod:`qkv_course.checks.cost`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course import masking
from qkv_course.checks.cost import _Chunked, _growing_scores, _memory_case, _random


def flops_cases() -> list[tuple[int, int, int, int]]:
    """(n_q, n_k, d_k, d_v) of attention_flops."""
    return [(1, 1, 1, 1), (7, 13, 5, 3), (1024, 1024, 64, 64), (1, 4096, 128, 64),
            (300, 20, 1, 9), (131072, 131072, 128, 128)]


def memory_cases() -> list[tuple[dict[str, int], dict[str, int]]]:
    """(positional, keyword) arguments of attention_memory_bytes."""
    return [({"n_q": 1, "n_k": 1}, {"itemsize": 1}), ({"n_q": 1024, "n_k": 1024}, {}),
            ({"n_q": 2048, "n_k": 512, "itemsize": 2}, {}), ({"n_q": 131072, "n_k": 131072}, {"itemsize": 2}),
            ({"n_q": 1, "n_k": 4096}, {"itemsize": 8}), ({"n_q": 7, "n_k": 3}, {"itemsize": 4})]


def window_cases() -> list[tuple[int, int]]:
    """(n, window) of local_window_mask."""
    return [(6, 2), (1, 0), (7, 10), (8, 3), (3, 2), (10, 4), (2, 1)]


def chunked_cases() -> list[_Chunked]:
    """The inputs of chunked_attention; the last one is the large case whose memory is measured."""
    rng = np.random.default_rng(7)
    blocks = rng.random((2, 5, 9)) < 0.6
    blocks[0, 0] = False                                           # fully masked row
    blocks[1, 2, :8] = False                                       # only the last key allowed
    blocks[1, 3, :4] = False                                       # first two chunks blocked
    blocks[:, 4, 4] = True
    pad = masking.key_padding_mask(masking.padding_mask([9, 3], 9))     # (2, 1, 9): whole chunks blocked at the end
    late = np.ones((3, 6), dtype=bool)
    late[:, :4] = False                                            # every query: first chunks blocked
    late[1] = False
    big = _random((), 4, 10, 3, 2, 3, seed=8, scale=60.0)        # scores up to ~1e4, both signs
    grow = _Chunked(*_growing_scores(2, 11, 5000.0, seed=9), 2)
    return [
        _random((), 3, 4, 2, 2, 1, seed=2),                         # chunk_size = 1
        _random((), 4, 6, 3, 2, 10, seed=3),                        # chunk_size > n_k: one chunk
        _random((), 5, 6, 2, 4, 6, seed=4),                         # chunk_size = n_k
        _random((), 3, 12, 5, 1, 5, seed=5),                        # 12 keys in chunks of 5, d_v = 1
        _random((2,), 5, 9, 4, 3, 4, seed=6, mask=blocks),          # batch, fully masked rows, blocked chunks
        _random((2,), 4, 9, 3, 3, 4, seed=10, mask=pad),            # key padding (2, 1, 9)
        _random((2, 3), 6, 6, 2, 3, 4, seed=11, mask=masking.causal_mask(6)),  # 2 batch axes, causal mask
        _random((), 3, 6, 4, 2, 2, seed=12, mask=late),             # the first chunks of every row blocked
        _random((), 1, 1, 1, 1, 1, seed=13),                        # one query, one key, d = 1
        _random((1,), 7, 3, 1, 5, 2, seed=14),                      # n_q > n_k, d_k = 1, batch of 1
        big,
        grow,
        _memory_case(np.arange(4096) % 7 != 3),                     # measured; (n_k,): every 7th key blocked
    ]
