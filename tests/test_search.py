"""Unit tests of qkv_course.search, softmax and validation (chapter 1's reference code)."""

import numpy as np
import pytest

from qkv_course import search
from qkv_course.softmax import softmax

RNG = np.random.default_rng(0)


def test_corpus_loads_from_the_package():
    videos = search.load_videos()
    assert len(videos) >= 20
    assert all(v.title and v.topic and v.minutes > 0 for v in videos)
    assert len({v.topic for v in videos}) >= 4


def test_tokenize_drops_stopwords_and_punctuation():
    assert search.tokenize("Why do cats knock things off tables?") == ["cats", "knock", "things", "tables"]


def test_bag_of_words_counts_and_ignores_unknown_words():
    vocab = ["cat", "dog", "mat"]
    assert search.bag_of_words("the cat sat on the cat mat", vocab).tolist() == [2, 0, 1]
    assert search.bag_of_words(["dog", "zebra"], vocab).tolist() == [[0, 1, 0], [0, 0, 0]]


def test_dot_scores_match_an_explicit_sum_for_any_batch_shape():
    keys = RNG.normal(size=(5, 3))
    for shape in [(3,), (4, 3), (2, 4, 3)]:
        q = RNG.normal(size=shape)
        expected = np.array([[float(np.sum(qi * k)) for k in keys] for qi in q.reshape(-1, 3)])
        assert np.allclose(search.dot_scores(q, keys), expected.reshape(shape[:-1] + (5,)))


def test_hard_lookup_takes_the_first_of_tied_keys():
    keys = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    values = np.array([[1.0], [2.0], [3.0]])
    assert search.hard_lookup(np.array([1.0, 0.0]), keys, values).tolist() == [1.0]
    batch = search.hard_lookup(np.array([[1.0, 0.0], [0.0, 1.0]]), keys, values)
    assert batch.tolist() == [[1.0], [2.0]]


def test_soft_lookup_is_a_convex_combination_and_tends_to_both_limits():
    q, keys, values = RNG.normal(size=(3, 4)), RNG.normal(size=(6, 4)), RNG.normal(size=(6, 2))
    w = search.attention_weights(q, keys)
    assert np.allclose(w.sum(-1), 1) and (w > 0).all()
    assert np.allclose(search.soft_lookup(q, keys, values), w @ values)
    assert np.allclose(search.soft_lookup(q, keys, values, 1e-4), search.hard_lookup(q, keys, values))
    assert np.allclose(search.soft_lookup(q, keys, values, 1e6), values.mean(0), atol=1e-4)


def test_softmax_is_stable_shift_invariant_and_works_on_any_axis():
    x = np.array([[1e4, 1e4 - 1, -1e4], [0.0, 0.0, 0.0]])
    s = softmax(x)
    assert np.isfinite(s).all() and np.allclose(s.sum(-1), 1)
    assert np.allclose(softmax(x + 123.0), s)
    assert np.allclose(softmax(x, axis=0).sum(0), 1)
    assert softmax(np.array([3.0, 1.0]), temperature=0.01)[0] == pytest.approx(1.0)


def test_rank_and_top_k():
    scores = np.array([0.5, 2.0, 2.0, -1.0])
    assert search.rank(scores).tolist() == [1, 2, 0, 3]
    assert search.top_k(scores, 2).tolist() == [1, 2]
    with pytest.raises(ValueError, match="k must be between 1 and the number of keys"):
        search.top_k(scores, 5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: search.dot_scores(np.ones(3), np.ones((4, 5))),
         r"query has 3 features .* but keys has 5 .* last dimensions must match"),
        (lambda: search.dot_scores(np.ones(3), np.ones(3)), r"keys must have 2 axes, got shape \(3,\)"),
        (lambda: search.dot_scores(np.array([1.0, np.nan]), np.ones((2, 2))),
         r"query contains 1 non-finite value\(s\); the first, at index \(1,\), is NaN"),
        (lambda: search.dot_scores(np.ones(2), np.array([[1.0, np.inf]])), r"keys contains .* infinite"),
        (lambda: search.hard_lookup(np.ones(2), np.ones((3, 2)), np.ones((4, 1))),
         r"there are 3 keys but 4 values"),
        (lambda: search.soft_lookup(np.ones(2), np.ones((3, 2)), np.ones((3, 1)), temperature=0),
         r"temperature must be a finite number greater than 0, got 0"),
        (lambda: search.soft_lookup(np.ones(2), np.ones((3, 2)), np.ones((3, 1)), temperature="hot"),
         r"temperature must be a number, got 'hot'"),
        (lambda: search.dot_scores("abc", np.ones((3, 2))), r"query must be an array of numbers, got str"),
        (lambda: search.one_hot(["pets"], ["music"]), r"label 'pets' is not one of the categories"),
    ],
)
def test_bad_input_raises_a_value_error_that_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
