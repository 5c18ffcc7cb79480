"""Hidden cases of ps03 (instructor side only): the inputs that
:mod:`qkv_course.checks.projections`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

#: QKVProjection's hidden tests: ((d_model, d_k, d_v), [shapes of X]) per layer built, the seed of
#: the inputs X and the torch seed of the first layer (the next ones count up from it).
LAYER_CONFIGS = [
    ((8, 8, 8), [(4, 8), (3, 4, 8), (2, 3, 4, 8)]),
    ((16, 4, 8), [(7, 16), (2, 2, 7, 16)]),
    ((5, 1, 2), [(1, 5), (3, 1, 5)]),
    ((3, 7, 2), [(6, 3), (4, 6, 3)]),
]
LAYER_INPUTS_SEED = 33
FIRST_LAYER_SEED = 300


def project_cases() -> list[tuple[np.ndarray, ...]]:
    """The hidden (X, W_q, W_k, W_v) of project_qkv."""
    rng = np.random.default_rng(31)

    def case(x_shape: tuple[int, ...], d_k: int, d_v: int, scale: float = 1.0):
        d_model = x_shape[-1]
        return (scale * rng.normal(size=x_shape), rng.normal(size=(d_model, d_k)),
                rng.normal(size=(d_model, d_k)), rng.normal(size=(d_model, d_v)))

    return [
        case((5, 8), 4, 6),               # no batch axis, d_k != d_v
        case((3, 5, 8), 4, 2),            # one batch axis
        case((2, 3, 4, 6), 6, 3),         # two batch axes, square W_q and W_k
        case((2, 5, 5), 3, 3),            # n == d_model, d_k == d_v
        case((4, 1, 5), 1, 2),            # one token per sentence, d_k = 1
        case((4, 1), 3, 2),               # d_model = 1
        case((2, 6, 5), 4, 3, 1e4),       # large embeddings
    ]
