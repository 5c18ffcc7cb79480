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


# --------------------------------------------------------------------------- question keys

def _keys() -> dict:
    """The keys of ps07's questions (qkv_course.checks.position.QUESTIONS), computed with the
    course's attention and positions from the numbers the questions give."""
    from qkv_course import position
    from qkv_course.attention import self_attention
    from qkv_course.checks.position import _sinusoid, _split_sinusoid
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.masking import causal_mask

    # Question 1: the weights W of "a b c d", then the input X[perm], perm = [2, 0, 1, 3].
    W = np.array([[0.1, 0.2, 0.3, 0.4],
                  [0.5, 0.2, 0.2, 0.1],
                  [0.2, 0.1, 0.6, 0.1],
                  [0.3, 0.3, 0.2, 0.2]])
    perm = np.array([2, 0, 1, 3])
    # One-hot tokens and W_q = 2 log W, W_k = I: the scores (d_k = 4) are log W, the weights W.
    X, eye = np.eye(4), np.eye(4)
    _, weights = self_attention(X, 2 * np.log(W), eye, eye)
    assert np.allclose(weights, W)
    _, shuffled = self_attention(X[perm], 2 * np.log(W), eye, eye)
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(4, 8))
    Wr = [rng.normal(size=(8, 8)) for _ in range(3)]
    causal = causal_mask(4)
    before, _ = self_attention(Xr, *Wr, causal)
    after, _ = self_attention(Xr[perm], *Wr, causal)
    kept = sum(bool(np.allclose(after[row], before[token], rtol=0, atol=1e-12))
               for row, token in enumerate(perm))   # tokens whose output did not change
    y0_row = int(np.flatnonzero(perm == 0)[0])
    shuffled_tokens = Key(
        {"y0_row": y0_row, "w_row_1": shuffled[1], "causal_same": kept},
        (Mistake({"y0_row": int(perm[0])},
                 "X[perm] puts old token perm[k] at row k, so token 0 lands on the row k where "
                 "perm[k] = 0, and its output goes with it."),
         Mistake({"w_row_1": W[perm][1]},
                 "that shuffles the rows only. The columns are the keys, which are the same shuffled "
                 "tokens: row 1 is token 0's query, and its weights on keys perm[0], perm[1], ... are "
                 "W[0, perm]."),
         Mistake({"w_row_1": W[:, perm][1]},
                 "that shuffles the columns only. Row 1 of the shuffled input is the query of token "
                 "perm[1] = 0, so it is token 0's row of W, reordered by perm."),
         Mistake({"w_row_1": W[1]},
                 "attention is permutation-equivariant, not invariant: the weights move with the tokens, "
                 "rows and columns both."),
         Mistake({"causal_same": 4},
                 "with a causal mask a token's output depends on which tokens come before it. Token 2, "
                 "now first, sees only itself, and tokens 0 and 1 now see token 2 too: their outputs "
                 "change. Only token 3, which still sees all four, keeps its output."),
         Mistake({"causal_same": 0},
                 "token 3 still comes last and still sees all four tokens; within what a token sees, the "
                 "order is invisible, so its output does not change.")),
        hint="Attention(X[perm]) = Attention(X)[perm]: outputs move with their tokens; the weights "
             "are W[perm][:, perm].")

    # Question 2: RoPE, half-split, d = 4, base 10000; q = (1, 0, 0, 1), k = (0, 1, 1, 0).
    q, k = np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])

    def score(i: int, j: int) -> float:
        return float(position.apply_rope(q, [i])[0] @ position.apply_rope(k, [j])[0])

    rope_scores = Key(
        {"q_rotated": position.apply_rope(q, [3])[0], "score": score(3, 5), "score_swapped": score(5, 3)},
        (Mistake({"q_rotated": position.apply_rope_interleaved(q, [3])[0]},
                 "that pairs neighbouring features (0, 1) and (2, 3), the interleaved layout. In the "
                 "half-split layout feature t is paired with t + d/2: the pairs are (0, 2) and (1, 3)."),
         Mistake({"q_rotated": position.apply_rope(q, [3], base=100.0)[0]},
                 "pair 1 turned by 3 x 0.1. The frequencies are base^(-2i/d): with d = 4, pair 1's is "
                 "10000^(-2/4) = 0.01, not 10000^(-1/4)."),
         Mistake({"score": float(q[0] @ k[0])},
                 "that is q . k before the rotations. q and k are turned by different angles (positions "
                 "3 and 5), so the angle between each pair changes and so does the score."),
         Mistake({"score": score(5, 3)},
                 "that is the score with q at position 5 and k at position 3: the score depends on the "
                 "signed offset j - i, not only on the distance."),
         Mistake({"score": score(3, 5) / 2},
                 "the question asks for the dot product itself, before the division by sqrt(d_k) = 2."),
         Mistake({"score_swapped": score(3, 5)},
                 "swapping the positions turns each pair's relative angle the other way, "
                 "(R_i q) . (R_j k) = q . R_(j-i) k: the score depends on j - i with its sign, so it "
                 "changes here.")),
        hint="Rotate pair (x_t, x_(t+2)) by the position times theta_t, theta = (1, 0.01); the score "
             "depends on the positions through j - i.")

    # Question 3: sinusoids with d = 4, base 10000.
    P = position.sinusoidal_positions(64, 4)
    M, *_ = np.linalg.lstsq(P[:-2, :2], P[2:, :2], rcond=None)   # (P[p+2, :2]) = (P[p, :2]) M
    longest = float(2 * np.pi / position.rope_frequencies(4).min())
    sinusoid_values = Key(
        {"row_5": P[5], "longest_wavelength": longest, "shift_matrix": M.reshape(-1)},
        (Mistake({"row_5": _split_sinusoid(6, 4, 10000.0)[5]},
                 "those are the sines first and the cosines after. Chapter 7's encoding interleaves "
                 "them: column 2i the sine and column 2i + 1 the cosine of pair i."),
         Mistake({"row_5": _sinusoid(6, 4, 10000.0, exponent=1.0)[5]},
                 "pair 1 turned by 5 x 0.1. The exponent is 2i/d: pair 1's frequency is 10000^(-2/4) = "
                 "0.01, so its angle at position 5 is 0.05."),
         Mistake({"row_5": _sinusoid(6, 4, 10000.0, swap=True)[5]},
                 "the sines and cosines are swapped: column 2i is the sine, column 2i + 1 the cosine."),
         Mistake({"longest_wavelength": 1 / position.rope_frequencies(4).min()},
                 "that is 1 / frequency. A wavelength is how many positions one full turn of 2 pi "
                 "radians takes: 2 pi / frequency."),
         Mistake({"longest_wavelength": 2 * np.pi * 10000.0},
                 "2 pi x 10000 is the limit for a large d. With d = 4 the slowest pair is pair 1, whose "
                 "frequency is 10000^(-2/4) = 0.01."),
         Mistake({"shift_matrix": M.T.reshape(-1)},
                 "that is the transpose of M, the matrix for column vectors. Check it with p = 0: "
                 "(sin 0, cos 0) M = (0, 1) M, its second row, must be (sin 2, cos 2).")),
        hint="P[p] = (sin p, cos p, sin 0.01p, cos 0.01p); sin(p + 2) = sin p cos 2 + cos p sin 2.")
    return {"shuffled_tokens": shuffled_tokens, "rope_scores": rope_scores,
            "sinusoid_values": sinusoid_values}


KEYS = _keys()
