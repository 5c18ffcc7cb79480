"""Hidden cases of ps06, "Multi-head attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.multihead`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.masking import causal_mask, key_padding_mask, padding_mask
from qkv_course.checks.multihead import MHACase, SplitCase, _LayerCase, _square

#: The MultiHeadAttention layer check: the seed of the generator that draws X for every call,
#: and the seed of each layer of :func:`layer_cases` (torch's seed when it is built, and the
#: seed of the weights loaded into it).
LAYER_INPUTS_SEED = 66
LAYER_SEEDS = (600, 601, 602, 603)


def split_cases() -> tuple[list[SplitCase], list[SplitCase]]:
    """(cases that split, cases that must raise ValueError)."""
    rng = np.random.default_rng(60)
    return ([
        SplitCase(rng.normal(size=(5, 8)), 4),
        SplitCase(rng.normal(size=(3, 2, 6)), 2),          # n == num_heads
        SplitCase(rng.normal(size=(2, 3, 4, 12)), 3),      # two batch axes
        SplitCase(rng.normal(size=(4, 6)), 1),             # one head: nothing moves
        SplitCase(rng.normal(size=(2, 3, 6)), 6),          # d_head = 1
        SplitCase(rng.normal(size=(2, 1, 8)), 2),          # one token
        SplitCase(1e4 * rng.normal(size=(4, 4, 8)), 4),    # large values, n == num_heads
    ], [
        SplitCase(rng.normal(size=(2, 3, 10)), 4),
        SplitCase(rng.normal(size=(5, 6)), 4),
        SplitCase(rng.normal(size=(3, 9)), 2),
    ])


def merge_cases() -> list[tuple[np.ndarray, int]]:
    """(X, num_heads): merge_heads gets split_heads(X, num_heads) and must give back X."""
    rng = np.random.default_rng(62)
    return [
        (rng.normal(size=(5, 8)), 4),
        (rng.normal(size=(3, 2, 6)), 2),
        (rng.normal(size=(2, 3, 4, 12)), 3),
        (rng.normal(size=(4, 6)), 1),
        (rng.normal(size=(2, 3, 6)), 6),
        (rng.normal(size=(2, 1, 8)), 2),
        (1e4 * rng.normal(size=(4, 4, 8)), 4),
    ]


def mha_cases() -> list[MHACase]:
    """The inputs of multi_head_attention."""
    rng = np.random.default_rng(64)
    per_item = rng.random((2, 5, 5)) < 0.6
    per_item[..., 0] = True
    per_item[1, 3] = False                                             # a query with no key at all
    some_keys = np.array([[True, False, True, True]])                 # (1, n): every query alike
    return [
        MHACase(rng.normal(size=(5, 8)), _square(8, rng), 4),
        MHACase(rng.normal(size=(2, 5, 8)), _square(8, rng), 2, per_item),        # batch == heads
        MHACase(rng.normal(size=(3, 5, 6)), _square(6, rng), 2,
                key_padding_mask(padding_mask([5, 2, 4], 5))),                     # batch != heads
        MHACase(rng.normal(size=(2, 3, 4, 8)), _square(8, rng), 4, causal_mask(4)),  # two batch axes
        MHACase(rng.normal(size=(2, 4, 6)), _square(6, rng), 1, some_keys),       # one head, (1, n) mask
        MHACase(rng.normal(size=(3, 6)), _square(6, rng), 6),                     # d_head = 1
        MHACase(rng.normal(size=(2, 1, 4)), _square(4, rng), 2),                  # one token
        MHACase(60 * rng.normal(size=(2, 4, 8)), _square(8, rng), 2, causal_mask(4)),  # scores ~ 1e4
    ]


def layer_cases() -> list[_LayerCase]:
    """(d_model, num_heads, [(X shape, mask or None, scale of X)]) for each layer built; layer i
    is seeded with LAYER_SEEDS[i]."""
    return [
        (8, 4, [((5, 8), None, 1.0), ((2, 3, 5, 8), causal_mask(5), 1.0),
                ((4, 5, 8), key_padding_mask(padding_mask([5, 2, 4, 1], 5)), 1.0)]),  # batch == heads
        (6, 1, [((2, 4, 6), causal_mask(4), 1.0)]),
        (6, 6, [((3, 6), None, 1.0)]),
        (12, 3, [((3, 1, 12), None, 1.0), ((2, 6, 12), causal_mask(6), 8.0)]),  # scores in the hundreds
    ]
