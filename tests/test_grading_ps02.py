"""Unit tests of the ps02 checks: correct answers written in several ways pass (visible and
hidden cases), each known mistake is caught with its own message, and a mistake in the
student's softmax is not charged again in masked_softmax."""

import numpy as np
import pytest

from qkv_course.grading import FeedbackError
from qkv_course.grading import ps02


# --------------------------------------------------------------------------- correct answers

def softmax_stable(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_via_logsumexp(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return np.exp(x - lse)


def logsumexp_stable(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def logsumexp_logaddexp(x, axis=-1):
    return np.logaddexp.reduce(x, axis=axis)


def masked_inf(scores, mask, axis=-1):
    z = np.where(mask, scores, -np.inf)
    top = z.max(axis=axis, keepdims=True)
    e = np.exp(z - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, np.where(total > 0, total, 1.0))


def masked_large_negative(scores, mask, axis=-1):
    mask = np.broadcast_to(mask, scores.shape)
    w = softmax_stable(np.where(mask, scores, -1e9), axis)
    return w * mask.any(axis=axis, keepdims=True)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("softmax", [softmax_stable, softmax_via_logsumexp])
def test_correct_softmax_passes(softmax, hidden):
    ps02.check_softmax(softmax, hidden)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("logsumexp", [logsumexp_stable, logsumexp_logaddexp])
def test_correct_logsumexp_passes(logsumexp, hidden):
    ps02.check_logsumexp(logsumexp, hidden)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("masked_softmax", [masked_inf, masked_large_negative])
def test_correct_masked_softmax_passes(masked_softmax, hidden):
    ps02.check_masked_softmax(masked_softmax, hidden)


# --------------------------------------------------------------------------- softmax mistakes

def naive(x, axis=-1):
    return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)


def global_max(x, axis=-1):
    e = np.exp(x - x.max())
    return e / e.sum(axis=axis, keepdims=True)


def ignores_axis(x, axis=-1):
    return softmax_stable(x)


def max_along_last(x, axis=-1):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def unnormalised(x, axis=-1):
    return np.exp(x - x.max(axis=axis, keepdims=True))


def whole_array(x, axis=-1):
    e = np.exp(x - x.max())
    return e / e.sum()


def in_place(x, axis=-1):
    x -= x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize(
    "wrong, hidden, message",
    [
        (naive, False, "np.exp overflows to inf above about 709"),
        (global_max, False, "One maximum was subtracted for the whole array"),
        (global_max, True, "One maximum was subtracted for the whole array"),
        (ignores_axis, False, "normalised along the last axis, but axis=0 was passed"),
        (max_along_last, True, "The maximum was taken along the last axis but the sum along axis="),
        (unnormalised, False, "the slices do not sum to 1"),
        (whole_array, False, "All the entries together sum to 1"),
        (lambda x, axis=-1: softmax_stable(x, axis=0), False, "normalised along axis 0, but axis=-1"),
        (lambda x, axis=-1: np.log(softmax_stable(x, axis)), False, "logarithm of the softmax"),
        (lambda x, axis=-1: x / x.sum(axis=axis, keepdims=True), False, "without exponentiating"),
        (in_place, False, "modified its input array in place"),
    ],
)
def test_softmax_mistakes_get_their_message(wrong, hidden, message):
    with pytest.raises(FeedbackError, match=message):
        ps02.check_softmax(wrong, hidden)


def test_library_and_reference_softmax_are_refused():
    torch = pytest.importorskip("torch")
    from qkv_course.softmax import logsumexp as lse

    with pytest.raises(FeedbackError, match="softmax calls torch.softmax"):
        ps02.check_softmax(lambda x, axis=-1: torch.from_numpy(x).softmax(axis).numpy())
    with pytest.raises(FeedbackError, match="softmax calls qkv_course.softmax.logsumexp"):
        ps02.check_softmax(lambda x, axis=-1: np.exp(x - np.expand_dims(lse(x, axis), axis)))
    with pytest.raises(FeedbackError, match="logsumexp calls torch.logsumexp"):
        ps02.check_logsumexp(lambda x, axis=-1: torch.logsumexp(torch.from_numpy(x), axis).numpy())


# --------------------------------------------------------------------------- logsumexp mistakes

@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x, axis=-1: np.log(np.exp(x).sum(axis=axis)), "exp overflows to inf"),
        (lambda x, axis=-1: x.max(axis=axis), "plain maximum"),
        (lambda x, axis=-1: np.log(np.exp(x - x.max(axis, keepdims=True)).sum(axis)), "not added back"),
        (lambda x, axis=-1: np.expand_dims(logsumexp_stable(x, axis), axis), "keeps the summed axis"),
        (lambda x, axis=-1: logsumexp_stable(x), "sums along the last axis, but axis=0"),
        (lambda x, axis=-1: x.max() + np.log(np.exp(x - x.max()).sum(axis)), "One maximum was used"),
    ],
)
def test_logsumexp_mistakes_get_their_message(wrong, message):
    with pytest.raises(FeedbackError, match=message):
        ps02.check_logsumexp(wrong)


# --------------------------------------------------------------------------- masked_softmax mistakes

def fill_large_negative(scores, mask, axis=-1):
    return softmax_stable(np.where(mask, scores, -1e9), axis)


def fill_not_negative_enough(scores, mask, axis=-1):
    mask = np.broadcast_to(mask, scores.shape)
    return softmax_stable(np.where(mask, scores, scores.min() - 40), axis) * mask.any(axis, keepdims=True)


def nan_rows(scores, mask, axis=-1):
    return softmax_stable(np.where(mask, scores, -np.inf), axis)


def max_over_all(scores, mask, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) * mask
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros(e.shape), where=total > 0)


def max_over_all_nan(scores, mask, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) * mask
    total = e.sum(axis=axis, keepdims=True)
    return e / np.where(mask.any(axis=axis, keepdims=True), total, 1.0)


def masks_in_place(scores, mask, axis=-1):
    scores[~np.broadcast_to(mask, scores.shape)] = -1e9
    return masked_inf(scores, mask, axis)


@pytest.mark.parametrize(
    "wrong, hidden, message",
    [
        (lambda s, m, axis=-1: masked_inf(s, ~m, axis), False, "True in the mask means 'may attend'"),
        (lambda s, m, axis=-1: softmax_stable(s, axis) * m, False, "no longer sum to 1"),
        (lambda s, m, axis=-1: softmax_stable(s, axis), False, "the mask was ignored"),
        (fill_large_negative, False, "got equal weights 1/n"),
        (fill_not_negative_enough, False, "small but non-zero weights"),
        (nan_rows, False, "The NaN are in slices where every position is masked"),
        (max_over_all, False, "All zeros came out for slices whose largest score sits at a masked"),
        (max_over_all_nan, False, "The NaN are in slices whose largest score sits at a masked"),
        (lambda s, m, axis=-1: masked_inf(s, m), True, "normalised along the last axis, but axis=0"),
        (lambda s, m, axis=-1: masked_inf(s, m[:, None] if m.ndim == 1 else m, axis), True,
         "blocks rows instead"),
        (masks_in_place, False, "modified its input array in place"),
    ],
)
def test_masked_softmax_mistakes_get_their_message(wrong, hidden, message):
    with pytest.raises(FeedbackError, match=message):
        ps02.check_masked_softmax(wrong, hidden)


def test_a_wrong_softmax_costs_points_only_once():
    """masked_softmax is graded again with trusted helpers when its own softmax is wrong."""
    namespace = {"np": np}
    exec(
        "def softmax(x, axis=-1):\n"
        "    e = np.exp(x - x.max())\n"
        "    return e / e.sum(axis=axis, keepdims=True)\n"
        "def masked_softmax(scores, mask, axis=-1):\n"
        "    w = softmax(np.where(mask, scores, -np.inf), axis)\n"
        "    return np.nan_to_num(w)\n",
        namespace,
    )
    own = namespace["softmax"]
    with pytest.raises(FeedbackError):
        ps02.check_softmax(own, hidden=True)
    ps02.check_masked_softmax(namespace["masked_softmax"], hidden=True)
    assert namespace["softmax"] is own  # restored afterwards


def test_a_softmax_that_returns_zeros_for_all_minus_inf_is_trusted_too():
    """A masked_softmax relying on its softmax giving zeros for an all -inf slice passes."""
    namespace = {"np": np, "masked_inf": masked_inf}
    exec(
        "def softmax(x, axis=-1):\n"
        "    return masked_inf(x, np.isfinite(x), axis)\n"
        "def masked_softmax(scores, mask, axis=-1):\n"
        "    return softmax(np.where(mask, scores, -np.inf), axis)\n",
        namespace,
    )
    ps02.check_masked_softmax(namespace["masked_softmax"], hidden=True)


def test_messages_do_not_show_hidden_arrays():
    with pytest.raises(FeedbackError) as info:
        ps02.check_softmax(lambda x, axis=-1: np.zeros_like(x) + 0.3, hidden=True)
    assert "[" not in str(info.value)


def test_an_in_place_change_is_not_hidden_by_the_regrading_with_trusted_helpers():
    namespace = {"np": np, "masked_inf": masked_inf}
    exec(
        "def softmax(x, axis=-1):\n"
        "    return masked_inf(x, np.isfinite(x), axis)\n"
        "def masked_softmax(scores, mask, axis=-1):\n"
        "    scores[~np.broadcast_to(mask, scores.shape)] = -np.inf\n"
        "    return softmax(scores, axis)\n",
        namespace,
    )
    with pytest.raises(FeedbackError, match="modified its input array in place"):
        ps02.check_masked_softmax(namespace["masked_softmax"])


def test_trusted_helpers_accept_the_calls_a_student_helper_might_take():
    namespace = {"np": np}
    exec(
        "def softmax(x, dim=-1, temperature=1.0):\n"
        "    e = np.exp(x / temperature - (x / temperature).max())\n"  # global max: wrong
        "    return e / e.sum(axis=dim, keepdims=True)\n"
        "def masked_softmax(scores, mask, axis=-1):\n"
        "    z = np.where(mask, scores, -1e9)\n"
        "    return softmax(z, dim=axis, temperature=1.0) * mask.any(axis, keepdims=True)\n",
        namespace,
    )
    with pytest.raises(FeedbackError):
        ps02.check_softmax(lambda x, axis=-1: namespace["softmax"](x, dim=axis), hidden=True)
    ps02.check_masked_softmax(namespace["masked_softmax"], hidden=True)
