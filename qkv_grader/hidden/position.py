"""Hidden cases of ps07, "Position: what attention cannot see" (instructor side only): the inputs
that :mod:`qkv_course.checks.position`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.position import GapCase, PositionsCase, RopeCase, _random_pair, gap_case


def positions_cases() -> list[PositionsCase]:
    """(n, d, base) of sinusoidal_positions: one pair, an odd d (a lone sine column last), a small
    base, many positions."""
    return [PositionsCase(1, 2), PositionsCase(10, 16), PositionsCase(5, 7), PositionsCase(8, 4, base=10.0),
            PositionsCase(50, 32), PositionsCase(3, 10, base=500.0)]


def rope_cases() -> list[RopeCase]:
    """apply_rope's inputs: one and two leading batch axes, d = 2 (one pair), positions that do
    not start at 0 or are not in order, large positions, a small base, integer X."""
    rng = np.random.default_rng(72)
    return [
        RopeCase(rng.normal(size=(4, 8)), np.arange(4)),
        RopeCase(rng.normal(size=(3, 2, 5, 4)), np.array([3, 1, 4, 1, 5])),
        RopeCase(rng.normal(size=(6, 2)), np.arange(6) * 7),
        RopeCase(rng.normal(size=(2, 3, 10)), np.arange(1000, 1003), base=50.0),
        RopeCase(rng.integers(-5, 6, size=(2, 4, 6)), np.arange(4)),
        RopeCase(rng.normal(size=(1, 12)), np.array([9])),
        RopeCase(100.0 * rng.normal(size=(5, 6)), np.arange(5), base=10.0),
    ]


def odd_rope_cases() -> list[RopeCase]:
    """Odd feature sizes: apply_rope must raise ValueError."""
    return [RopeCase(np.ones((2, 3, 7)), np.arange(3)), RopeCase(np.ones((4, 1)), np.arange(4))]


def pair_cases():
    """rope_attention's inputs: batch axes, decoding (queries at later positions than 0 .. n_q - 1),
    masks (one with a query that sees nothing), large positions, d_k = 2, one query."""
    causal = np.tril(np.ones((5, 5), dtype=bool))
    empty = np.ones((3, 4), dtype=bool)
    empty[1] = False
    decode = np.arange(7)[None, :] <= np.array([6])[:, None]
    return [
        _random_pair((), 5, 5, 8, 6, seed=84, mask=causal),
        _random_pair((2, 3), 3, 4, 4, 2, seed=85, positions_q=np.array([2, 5, 9]),
                     positions_k=np.array([0, 3, 4, 8]), mask=empty),
        _random_pair((), 1, 7, 6, 4, seed=86, positions_q=np.array([6]), mask=decode),
        _random_pair((2,), 4, 4, 2, 3, seed=87, positions_q=np.arange(500, 504),
                     positions_k=np.arange(497, 501)),
        _random_pair((3,), 4, 6, 10, 4, seed=88, positions_q=np.arange(2, 6), scale=3.0),
    ]


def gap_cases() -> list[GapCase]:
    """equivariance_error's inputs: one token, a 5-cycle, wide and one-column outputs, large
    values, exactly equivariant outputs and outputs that are not."""
    rng = np.random.default_rng(92)
    X = rng.normal(size=(6, 4))
    Y = 1e6 * rng.normal(size=(3, 5))
    shifted = Y[[2, 0, 1]].copy()
    shifted[0, 4] += 3.0
    one = rng.normal(size=(5, 1))
    return [
        gap_case(X, np.array([1, 2, 3, 4, 5, 0]), with_positions=True),
        gap_case(X, np.array([5, 3, 0, 1, 2, 4]), with_positions=False),
        GapCase(Y, shifted, np.array([2, 0, 1])),
        GapCase(one, one[[4, 0, 1, 2, 3]] - 0.25, np.array([4, 0, 1, 2, 3])),
        GapCase(np.array([[1.5, -2.0]]), np.array([[1.0, -2.0]]), np.array([0])),
        gap_case(rng.normal(size=(4, 8)), np.array([3, 2, 0, 1]), with_positions=True),
    ]
