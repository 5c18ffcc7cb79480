"""Unit tests of ps01's diagnoses: each plausible mistake gets its own message (the catalogue in
tests/submissions/ps01_search/ grades the same mistakes as whole notebooks)."""

import numpy as np
import pytest

from qkv_course.checks import FeedbackError, search as checks


def _dot(q, k):
    return q @ k.T


@pytest.mark.parametrize(
    "wrong, hidden, message",
    [
        (lambda q, k: q @ k.T / np.sqrt(q.shape[-1]), False, "square root of the number of features"),
        (lambda q, k: -((q[..., None, :] - k) ** 2).sum(-1), False, "distances between the query"),
        (lambda q, k: np.linalg.norm(q[..., None, :] - k, axis=-1), False, "distances between the query"),
        (lambda q, k: (q[..., None, :] * k).sum(-2), False, "added up over the keys"),
        (lambda q, k: q.reshape(-1, q.shape[-1]) @ k.T if q.ndim > 2 else q @ k.T, True,
         "leading axes of the queries were flattened"),
    ],
)
def test_dot_scores_mistakes_get_their_message(wrong, hidden, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_dot_scores(wrong, hidden=hidden)


def _one_hot(q, k, v):
    s = _dot(q, k)
    return (s == s.max(-1, keepdims=True)).astype(float) @ v


@pytest.mark.parametrize(
    "wrong, hidden, message",
    [
        (lambda q, k, v: _dot(q, k).max(-1), False, "the best score itself"),
        (lambda q, k, v: k[np.argmax(_dot(q, k), -1)], False, "best-matching key itself"),
        (lambda q, k, v: v[np.argmax(_dot(q, k), axis=0)], True, "best query for each key"),
        (_one_hot, False, "adds up their values"),
        (lambda q, k, v: _one_hot(q, k, v) / (lambda s: (s == s.max(-1, keepdims=True)).sum(-1, keepdims=True))(_dot(q, k)),
         False, "averages their values"),
    ],
)
def test_hard_lookup_mistakes_get_their_message(wrong, hidden, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_hard_lookup(wrong, hidden=hidden)


def test_messages_do_not_show_the_expected_arrays():
    with pytest.raises(FeedbackError) as err:
        checks.check_hard_lookup(_one_hot)
    assert "[" not in str(err.value)
