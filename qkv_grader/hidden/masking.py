"""Hidden cases of ps05, "Masking and cross-attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.masking`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course import masking
from qkv_course.checks.masking import _Cross, _Lengths, _random_case


def causal_cases() -> list[int]:
    """The sizes n of causal_mask(n)."""
    return [1, 2, 3, 7, 12]


def padding_cases() -> list[_Lengths]:
    """The (lengths, max_len) of padding_mask."""
    return [
        _Lengths([3, 0, 5, 1], 5),                       # an empty sequence and a full one
        _Lengths(np.array([6, 6, 2, 4, 1, 3]), 6),       # batch == max_len: a transpose keeps the shape
        _Lengths(np.array([4]), 4),                      # one sequence, no padding
        _Lengths([0, 0], 3),                             # only padding
        _Lengths(np.array([1, 1, 1]), 1),                # max_len 1
        _Lengths((5, 2, 7), 9),                          # a tuple
    ]


def cross_cases() -> list[_Cross]:
    """The inputs of cross_attention."""
    rng = np.random.default_rng(7)
    row_mask = rng.random((4, 6)) < 0.6
    row_mask[0] = True
    row_mask[2] = False                                                     # a query with no key
    pad3 = masking.key_padding_mask(masking.padding_mask([6, 1, 3], 6))           # (3, 1, 6)
    pad_b2 = masking.key_padding_mask(masking.padding_mask([5, 2, 4], 5))         # (3, 1, 5): over the 2nd axis
    q_real, k_real = masking.padding_mask([5, 3], 5), masking.padding_mask([3, 2], 3)
    both = q_real[:, :, None] & k_real[:, None, :]                          # padding queries see nothing
    big_mask = np.ones((3, 8), dtype=bool)
    big_mask[:, 5:] = False
    big_mask[1, :2] = False
    top_blocked = _random_case((2,), 3, 5, 4, 3, 2, seed=20, scale=25.0)
    scores = (top_blocked.X_q @ top_blocked.W[0]) @ np.swapaxes(top_blocked.X_kv @ top_blocked.W[1], -1, -2)
    top_blocked.mask = scores < scores.max(axis=-1, keepdims=True)        # each query's best key blocked
    return [
        _random_case((), 7, 5, 6, 4, 3, seed=11),                           # translation-like, no mask
        _random_case((), 4, 6, 3, 5, 2, seed=12, mask=row_mask),            # (n_q, n_kv) mask
        _random_case((3,), 4, 6, 5, 3, 4, seed=13, mask=pad3),              # key padding, 1 batch axis
        _random_case((2, 3), 2, 5, 4, 1, 3, seed=14, mask=pad_b2),          # 2 batch axes, d_k = 1
        _random_case((2,), 5, 3, 4, 2, 3, seed=15, mask=both),              # fully masked rows
        _random_case((), 3, 8, 4, 4, 4, seed=16, mask=big_mask, scale=25.0),  # large scores
        _random_case((2,), 1, 4, 1, 2, 1, seed=19, scale=1.0),              # one query, d_model = d_v = 1
        _random_case((), 6, 1, 3, 2, 2, seed=18),                           # one key
        top_blocked,                                                        # large scores, best key blocked
        _random_case((2,), 3, 4, 3, 2, 2, seed=21, mask=np.array([True, False, True, True])),  # (n_kv,)
    ]
