"""Chapter 7's helper module (qkv_course.position): sinusoids, RoPE in both layouts, rotary
attention, ALiBi, the equivariance test and the small model of "what each buys"."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qkv_course import attention, position

RNG = np.random.default_rng(3)


def test_sinusoids_follow_the_formula_and_odd_sizes_end_with_a_sine():
    P = position.sinusoidal_positions(50, 7, base=100.0)
    p = np.arange(50)[:, None]
    omega = 100.0 ** (-2 * np.arange(4) / 7)
    assert P.shape == (50, 7)
    assert np.allclose(P[:, 0::2], np.sin(p * omega)) and np.allclose(P[:, 1::2], np.cos(p * omega[:3]))
    with pytest.raises(ValueError):
        position.sinusoidal_positions(0, 4)


def test_a_fixed_offset_is_one_linear_map_of_the_sinusoids():
    P = position.sinusoidal_positions(40, 12)
    for k in (1, 3, 17):
        M, *_ = np.linalg.lstsq(P[:-k], P[k:], rcond=None)
        assert np.abs(P[:-k] @ M - P[k:]).max() < 1e-9


def test_rope_keeps_norms_and_scores_depend_on_the_offset_only():
    X = RNG.normal(size=(2, 9, 16))
    pos = RNG.integers(0, 500, size=9)
    R = position.apply_rope(X, pos)
    assert np.allclose(np.linalg.norm(R, axis=-1), np.linalg.norm(X, axis=-1), atol=1e-12)
    q, k = RNG.normal(size=(1, 16)), RNG.normal(size=(1, 16))
    s = lambda i, j: float((position.apply_rope(q, [i]) @ position.apply_rope(k, [j]).T)[0, 0])
    assert max(abs(s(i + t, j + t) - s(i, j)) for i in (0, 5, 40) for j in (0, 3, 77) for t in (1, 9, 600)) < 1e-12
    assert np.allclose(position.apply_rope(X, np.zeros(9)), X)          # position 0: no rotation


def test_rope_refuses_odd_sizes_and_wrong_position_counts():
    with pytest.raises(ValueError, match="even"):
        position.apply_rope(np.ones((3, 5)), np.arange(3))
    with pytest.raises(ValueError):
        position.apply_rope(np.ones((3, 4)), np.arange(4))


def test_the_two_layouts_differ_by_a_fixed_permutation():
    X, pos = RNG.normal(size=(6, 10)), np.arange(6)
    perm = position.interleaved_to_half_split(10)
    assert sorted(perm) == list(range(10))
    assert np.allclose(position.apply_rope(X[:, perm], pos), position.apply_rope_interleaved(X, pos)[:, perm])
    assert not np.allclose(position.apply_rope(X, pos), position.apply_rope_interleaved(X, pos))


def test_rope_attention_is_attention_on_rotated_queries_and_keys():
    Q, K, V = RNG.normal(size=(3, 4, 8)), RNG.normal(size=(3, 6, 8)), RNG.normal(size=(3, 6, 5))
    pq, pk = np.arange(2, 6), np.arange(6)
    mask = np.tril(np.ones((4, 6), dtype=bool), k=2)
    out, w = position.rope_attention(Q, K, V, pq, pk, mask)
    ref = attention.scaled_dot_product_attention(position.apply_rope(Q, pq), position.apply_rope(K, pk), V, mask)
    assert np.allclose(out, ref[0]) and np.allclose(w, ref[1])
    out2, w2 = position.rope_attention(Q, K, V, pq + 50, pk + 50, mask)    # shifting every position
    assert np.allclose(w2, w, atol=1e-12)


def test_alibi_slopes_and_bias():
    assert np.allclose(position.alibi_slopes(8), 2.0 ** -np.arange(1, 9))
    six = position.alibi_slopes(6)       # 4 slopes of 4 heads, then every other one of 8 heads
    assert np.allclose(six, np.r_[2.0 ** (-2 * np.arange(1, 5)), 2.0 ** -np.array([1, 3])])
    b = position.alibi_bias(np.arange(4), np.arange(5), np.array([0.5, 1.0]))
    assert b.shape == (2, 4, 5) and b[1, 3, 0] == -3.0 and b[0, 2, 2] == 0 and b[0, 0, 4] == -2.0


def test_equivariance_holds_without_positions_and_breaks_with_them():
    W = [RNG.normal(size=(6, 6)) for _ in range(3)]
    X = RNG.normal(size=(7, 6))
    plain = lambda A: attention.self_attention(A, *W)[0]
    P = position.sinusoidal_positions(7, 6)
    with_positions = lambda A: attention.self_attention(A + P, *W)[0]
    assert position.is_permutation_equivariant(plain, X, RNG)
    assert not position.is_permutation_equivariant(with_positions, X, RNG)


def test_the_tasks_and_what_each_scheme_can_learn():
    tokens, targets, scored = position.position_task("previous", 5, 9, 3, RNG)
    assert np.array_equal(targets[:, 1:], tokens[:, :-1]) and not scored[:, 0].any()
    tokens, targets, _ = position.position_task("reverse", 5, 9, 3, RNG)
    assert np.array_equal(targets, tokens[:, ::-1])
    torch.set_num_threads(1)
    assert position.train_position_model("previous", "none", steps=150) < 0.4
    assert position.train_position_model("previous", "rope", steps=150) > 0.9
    with pytest.raises(ValueError):
        position.train_position_model("previous", "alibi")
