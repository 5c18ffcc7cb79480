"""Unit tests of qkv_course.softmax: logsumexp and masked softmax (chapter 2's reference code)."""

import numpy as np
import pytest

from qkv_course.softmax import log_softmax, logsumexp, masked_softmax, softmax

RNG = np.random.default_rng(1)


def test_logsumexp_matches_the_definition_and_survives_large_inputs():
    x = RNG.normal(size=(3, 5))
    assert np.allclose(logsumexp(x), np.log(np.exp(x).sum(-1)))
    assert np.allclose(logsumexp(x, axis=0), np.log(np.exp(x).sum(0)))
    assert logsumexp(np.array([1e4, 1e4])) == pytest.approx(1e4 + np.log(2))
    assert np.allclose(np.log(softmax(x)), x - logsumexp(x)[:, None])


def test_masked_softmax_gives_masked_positions_exactly_zero():
    scores = RNG.normal(size=(2, 4, 4))
    causal = np.tril(np.ones((4, 4), dtype=bool))
    w = masked_softmax(scores, causal)
    assert (w[:, ~causal] == 0).all()
    assert np.allclose(w.sum(-1), 1)
    # the allowed positions get the plain softmax of the allowed scores
    assert np.allclose(w[0, 2, :3], softmax(scores[0, 2, :3]))


def test_fully_masked_rows_are_zero_not_nan_and_large_scores_are_fine():
    scores = np.array([[1e4, -1e4, 3.0], [5.0, 6.0, 7.0]])
    mask = np.array([[True, True, False], [False, False, False]])
    w = masked_softmax(scores, mask)
    assert np.isfinite(w).all()
    assert w[1].tolist() == [0.0, 0.0, 0.0]
    assert w[0].tolist() == [1.0, 0.0, 0.0]


def test_mask_broadcasts_along_any_axis():
    scores = RNG.normal(size=(3, 4))
    keep_keys = np.array([True, False, True, True])
    w = masked_softmax(scores, keep_keys)
    assert (w[:, 1] == 0).all() and np.allclose(w.sum(-1), 1)
    keep_rows = np.array([[True], [False], [True]])  # (3, 1): normalise down the columns
    w0 = masked_softmax(scores, keep_rows, axis=0)
    assert (w0[1] == 0).all() and np.allclose(w0.sum(0), 1)
    assert np.allclose(w0[[0, 2]], softmax(scores[[0, 2]], axis=0))


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones((3, 4)), r"mask must be boolean \(True = may attend\), got dtype float64"),
        (np.ones((2, 4), dtype=bool), r"mask of shape \(2, 4\) does not broadcast to scores of shape \(3, 4\)"),
    ],
)
def test_bad_masks_raise_a_clear_value_error(mask, message):
    with pytest.raises(ValueError, match=message):
        masked_softmax(np.zeros((3, 4)), mask)


def test_log_softmax_is_the_log_of_softmax_and_stays_finite_where_softmax_underflows():
    x = RNG.normal(size=(2, 3, 4))
    for axis in (-1, 0, 1):
        assert np.allclose(log_softmax(x, axis=axis), np.log(softmax(x, axis=axis)))
    far = np.array([0.0, -800.0])
    assert softmax(far)[1] == 0.0  # exp(-800) underflows ...
    assert log_softmax(far).tolist() == [0.0, -800.0]  # ... but its log is exactly -800
    assert np.allclose(np.exp(log_softmax(x)).sum(-1), 1)
