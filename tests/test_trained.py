"""Chapter 11a's toy retrieval task and its one-attention-layer model."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qkv_course import trained  # noqa: E402


def test_data_has_the_promised_structure():
    d = trained.make_retrieval_data(500, n_pairs=5, n_keys=9, n_values=7, seed=3)
    assert d.keys.shape == d.values.shape == (500, 6) and len(d) == 500
    rows = np.arange(500)
    # the query key is one of the pair keys, at the target position, and keys are distinct
    assert np.all(d.keys[rows, d.target] == d.keys[:, -1])
    assert all(len(set(k[:-1])) == 5 for k in d.keys)
    assert np.all(d.values[:, -1] == 7) and np.all(d.values[:, :-1] < 7)
    assert np.all(d.answer == d.values[rows, d.target])
    assert np.all((d.target >= 0) & (d.target < 5))


def test_data_is_seeded():
    a, b = trained.make_retrieval_data(50, seed=1), trained.make_retrieval_data(50, seed=1)
    c = trained.make_retrieval_data(50, seed=2)
    assert np.array_equal(a.keys, b.keys) and np.array_equal(a.answer, b.answer)
    assert not np.array_equal(a.keys, c.keys)
    with pytest.raises(ValueError):
        trained.make_retrieval_data(5, n_pairs=10, n_keys=4)


def test_target_attention_by_hand():
    w = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    mean, hit = trained.target_attention(w, np.array([1, 2]))
    assert mean == pytest.approx((0.7 + 0.25) / 2) and hit == pytest.approx(0.5)
    with pytest.raises(ValueError):
        trained.target_attention(w, np.array([1]))


def test_model_shapes_and_rows_sum_to_one():
    torch.manual_seed(0)
    model = trained.RetrievalModel(n_keys=16, n_values=16, d_model=8)
    d = trained.make_retrieval_data(4)
    logits, weights = model(d.keys, d.values)
    assert logits.shape == (4, 16) and weights.shape == (4, 7, 7)
    np.testing.assert_allclose(weights.detach().sum(-1).numpy(), 1, atol=1e-6)
    assert trained.query_attention(model, d).shape == (4, 7)


def test_training_is_deterministic_and_learns_the_expected_pattern():
    a = trained.train_retrieval(steps=300, seed=0)
    b = trained.train_retrieval(steps=300, seed=0)
    assert a.losses == b.losses
    test = trained.make_retrieval_data(2000, seed=12345)
    # the chapter's claims: near-perfect retrieval, by looking at the right item
    assert trained.accuracy(a.model, test) >= 0.99
    mean, hit = trained.target_attention(trained.query_attention(a.model, test), test.target)
    assert mean >= 0.9 and hit >= 0.99
    # before training it is chance level: about 1/16 right, about 1/7 weight on the target
    assert trained.accuracy(a.initial, test) < 0.15
    assert trained.target_attention(trained.query_attention(a.initial, test), test.target)[0] < 0.3
    assert a.losses[-1] < 0.05 < a.losses[0]
