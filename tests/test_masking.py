"""Unit tests of qkv_course.masking: the chapter 5 masks (True = may attend) and their broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from qkv_course import attention, masking, projections

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_causal_mask_is_the_lower_triangle_including_the_diagonal(n):
    c = masking.causal_mask(n)
    assert c.dtype == np.bool_ and c.shape == (n, n)
    i, j = np.indices((n, n))
    assert (c == (j <= i)).all()
    assert c.sum() == n * (n + 1) // 2


def test_causal_mask_accepts_whole_numbers_only():
    assert masking.causal_mask(np.int64(3)).shape == (3, 3)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="positive whole number"):
            masking.causal_mask(bad)


@pytest.mark.parametrize("lengths", [[2, 0, 4], np.array([2, 0, 4]), (2, 0, 4)])
def test_padding_mask_marks_the_first_length_positions(lengths):
    p = masking.padding_mask(lengths, 4)
    assert p.dtype == np.bool_
    assert p.tolist() == [[True, True, False, False], [False] * 4, [True] * 4]


def test_padding_mask_rejects_bad_lengths():
    with pytest.raises(ValueError, match="between 0 and max_len"):
        masking.padding_mask([-1, 2], 3)
    with pytest.raises(ValueError, match="whole numbers"):
        masking.padding_mask([1.5, 2], 3)
    with pytest.raises(ValueError, match="1-d"):
        masking.padding_mask([[1, 2]], 3)


def test_key_padding_mask_varies_along_keys_only():
    pad = masking.padding_mask([3, 1], 4)
    kpm = masking.key_padding_mask(pad)
    assert kpm.shape == (2, 1, 4)
    full = np.broadcast_to(kpm, (2, 4, 4))
    assert all((full[b, i] == pad[b]).all() for b in range(2) for i in range(4))
    assert masking.key_padding_mask(pad, heads=True).shape == (2, 1, 1, 4)
    with pytest.raises(ValueError, match="boolean"):
        masking.key_padding_mask(pad.astype(int))


def test_combine_masks_is_a_broadcast_logical_and():
    pad = masking.padding_mask([4, 2], 4)
    both = masking.combine_masks(masking.causal_mask(4), masking.key_padding_mask(pad, heads=True))
    assert both.shape == (2, 1, 4, 4)
    assert both[0, 0].tolist() == masking.causal_mask(4).tolist()
    assert both[1, 0, 3].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="at least one"):
        masking.combine_masks()
    with pytest.raises(ValueError, match="boolean"):
        masking.combine_masks(masking.causal_mask(2), np.ones((2, 2)))


def test_check_mask_names_the_problem():
    assert masking.check_mask(np.ones((1, 3), bool), (2, 5, 3)).shape == (1, 3)
    with pytest.raises(ValueError, match="boolean"):
        masking.check_mask(np.ones((3, 3)))
    with pytest.raises(ValueError, match="does not broadcast"):
        masking.check_mask(np.ones((2, 4), bool), (2, 3, 3))
    with pytest.raises(ValueError, match="more or longer axes"):
        masking.check_mask(np.ones((4, 1, 3, 3), bool), (2, 3, 3))


def test_masked_weight_is_zero_with_the_right_mask_and_catches_the_wrong_axis():
    X = RNG.normal(size=(2, 5, 6))
    W = projections.init_projections(6, 4, seed=1)
    pad = masking.padding_mask([5, 3], 5)
    good = masking.key_padding_mask(pad)                       # (batch, 1, n_k)
    _, w = attention.self_attention(X, *W, mask=good)
    assert np.abs(masking.masked_weight(w, good)).max() == 0.0
    wrong = pad[:, :, None]                                  # (batch, n_q, 1): the classic bug
    _, w_bad = attention.self_attention(X, *W, mask=wrong)
    leak = masking.masked_weight(w_bad, good)
    assert leak.shape == (2, 5)
    assert (leak[0] == 0).all()                              # no padding: nothing to leak
    assert (leak[1, :3] > 0).all() and (leak[1, 3:] == 0).all()  # real queries see padding keys


def test_masked_weight_checks_its_mask():
    with pytest.raises(ValueError, match="boolean"):
        masking.masked_weight(np.ones((2, 2)) / 2, np.ones((2, 2)))
