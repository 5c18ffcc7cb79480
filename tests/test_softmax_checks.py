"""Unit tests of the ps02 checks: correct answers written in several ways pass (visible and
hidden cases), each known mistake is caught with its own message, and a mistake in the
student's softmax is not charged again in masked_softmax."""

import numpy as np
import pytest

from qkv_course.checks import FeedbackError
from qkv_course.checks import softmax as checks


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
    checks.check_softmax(softmax, hidden)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("logsumexp", [logsumexp_stable, logsumexp_logaddexp])
def test_correct_logsumexp_passes(logsumexp, hidden):
    checks.check_logsumexp(logsumexp, hidden)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("masked_softmax", [masked_inf, masked_large_negative])
def test_correct_masked_softmax_passes(masked_softmax, hidden):
    checks.check_masked_softmax(masked_softmax, hidden)


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
        checks.check_softmax(wrong, hidden)


def test_library_and_reference_softmax_are_refused():
    torch = pytest.importorskip("torch")
    from qkv_course.softmax import logsumexp as lse

    with pytest.raises(FeedbackError, match="softmax calls torch.softmax"):
        checks.check_softmax(lambda x, axis=-1: torch.from_numpy(x).softmax(axis).numpy())
    with pytest.raises(FeedbackError, match="softmax calls qkv_course.softmax.logsumexp"):
        checks.check_softmax(lambda x, axis=-1: np.exp(x - np.expand_dims(lse(x, axis), axis)))
    with pytest.raises(FeedbackError, match="logsumexp calls torch.logsumexp"):
        checks.check_logsumexp(lambda x, axis=-1: torch.logsumexp(torch.from_numpy(x), axis).numpy())


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
        (lambda x, axis=-1: x.max(axis) + np.log(np.exp(x - x.max(axis, keepdims=True)).sum()),
         "taken over the whole array, not along the axis"),
    ],
)
def test_logsumexp_mistakes_get_their_message(wrong, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_logsumexp(wrong)


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
        (max_over_all, False, "All zeros came out for slices in which a masked position has a score far above"),
        (max_over_all_nan, False, "The NaN are in slices in which a masked position has a score far above"),
        (lambda s, m, axis=-1: masked_inf(s, m), True, "normalised along the last axis, but axis=0"),
        (lambda s, m, axis=-1: masked_inf(s, m[:, None] if m.ndim == 1 else m, axis), True,
         "blocks rows instead"),
        (masks_in_place, False, "modified its input array in place"),
    ],
)
def test_masked_softmax_mistakes_get_their_message(wrong, hidden, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_masked_softmax(wrong, hidden)


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
        checks.check_softmax(own, hidden=True)
    checks.check_masked_softmax(namespace["masked_softmax"], hidden=True)
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
    checks.check_masked_softmax(namespace["masked_softmax"], hidden=True)


def test_messages_do_not_show_hidden_arrays():
    with pytest.raises(FeedbackError) as info:
        checks.check_softmax(lambda x, axis=-1: np.zeros_like(x) + 0.3, hidden=True)
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
        checks.check_masked_softmax(namespace["masked_softmax"])


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
        checks.check_softmax(lambda x, axis=-1: namespace["softmax"](x, dim=axis), hidden=True)
    checks.check_masked_softmax(namespace["masked_softmax"], hidden=True)


# --------------------------------------------------------------------------- review: other styles

def softmax_apply_along_axis(x, axis=-1):
    def one(v):
        e = np.exp(v - np.max(v))
        return e / np.sum(e)
    return np.apply_along_axis(one, axis, x)


def softmax_torch_ops(x, axis=-1):
    import torch
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))
    e = (t - t.max(dim=axis, keepdim=True).values).exp()
    return (e / e.sum(dim=axis, keepdim=True)).numpy()


def softmax_small_epsilon_list(x, axis=-1):
    """An epsilon of 1e-9 in the denominator is harmless; a nested list is an accepted return."""
    z = np.swapaxes(x, axis, -1)
    e = np.exp(z - z.max(-1)[..., None])
    return np.swapaxes(e / (e.sum(-1)[..., None] + 1e-9), axis, -1).tolist()


def logsumexp_via_softmax(x, axis=-1):
    """log sum exp x = max x - log softmax(x)[argmax]: stable, and uses the student's softmax."""
    return x.max(axis=axis) - np.log(np.max(softmax_stable(x, axis), axis=axis))


def logsumexp_loops_keepdims(x, axis=-1, keepdims=False):
    import math
    z = np.moveaxis(x, axis, -1)
    out = np.zeros(z.shape[:-1])
    for idx in np.ndindex(*z.shape[:-1]):
        m = max(z[idx])
        out[idx] = m + math.log(sum(math.exp(v - m) for v in z[idx]))
    return np.expand_dims(out, axis) if keepdims else out


def masked_ma(scores, mask, axis=-1):
    z = np.ma.masked_array(scores, mask=~np.broadcast_to(mask, scores.shape))
    e = np.ma.exp(z - z.max(axis=axis, keepdims=True))
    return np.ma.filled(e / e.sum(axis=axis, keepdims=True), 0.0)


def masked_int_additive(scores, mask, axis=-1):
    m = np.asarray(mask).astype(int)
    return softmax_stable(scores * m + (1 - m) * -1e9, axis) * m


def masked_loop_rows(scores, mask, axis=-1):
    s = np.moveaxis(scores, axis, -1)
    m = np.moveaxis(np.broadcast_to(mask, scores.shape), axis, -1)
    out = np.zeros(s.shape)
    for idx in np.ndindex(*s.shape[:-1]):
        if m[idx].any():
            v = s[idx][m[idx]]
            e = np.exp(v - v.max())
            out[idx][m[idx]] = e / e.sum()
    return np.moveaxis(out, -1, axis)


def masked_torch_fill(scores, mask, axis=-1, **unused):
    import torch
    s = torch.tensor(scores)
    m = torch.as_tensor(np.broadcast_to(mask, scores.shape).copy())
    z = s.masked_fill(~m, float("-inf"))
    top = z.amax(dim=axis, keepdim=True).nan_to_num(0.0, neginf=0.0)
    e = torch.exp(z - top)
    total = e.sum(dim=axis, keepdim=True)
    return torch.where(total > 0, e / total.clamp_min(1e-300), torch.zeros_like(e))


def masked_nan_to_num(scores, mask, axis=-1):
    return np.nan_to_num(softmax_stable(np.where(mask, scores, -np.inf), axis))


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, fn", [
    (checks.check_softmax, softmax_apply_along_axis),
    (checks.check_softmax, softmax_torch_ops),
    (checks.check_softmax, softmax_small_epsilon_list),
    (checks.check_logsumexp, logsumexp_via_softmax),
    (checks.check_logsumexp, logsumexp_loops_keepdims),
    (checks.check_masked_softmax, masked_ma),
    (checks.check_masked_softmax, masked_int_additive),
    (checks.check_masked_softmax, masked_loop_rows),
    (checks.check_masked_softmax, masked_torch_fill),
    (checks.check_masked_softmax, masked_nan_to_num),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_correct_answers_in_other_styles_pass(check, fn, hidden):
    check(fn, hidden)


# --------------------------------------------------------------------------- review: diagnoses

def _float32_softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _exp_then_mask(scores, mask, axis=-1):
    e = np.exp(scores) * mask
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def _mask_padded_on_the_right(scores, mask, axis=-1):
    mask = np.asarray(mask)
    mask = mask.reshape(mask.shape + (1,) * (scores.ndim - mask.ndim))
    return masked_inf(scores, mask, axis)


@pytest.mark.parametrize("check, wrong, hidden, message", [
    (checks.check_softmax, _float32_softmax, False, "the precision of float32"),
    (checks.check_softmax, lambda x, axis=-1: softmax_stable(x, axis) / (1 + 1e-5), False,
     "as if a small number (an epsilon) was added to the denominator"),
    (checks.check_softmax, lambda x, axis=-1: np.exp(x - x.max(axis, keepdims=True))
     / np.exp(x - x.max(axis, keepdims=True)).sum(axis), False, "keep the axis with length 1"),
    (checks.check_softmax, lambda x, axis=-1: softmax_stable(np.clip(x, -500, 500), axis), False,
     "clipping, rescaling or shifting entries by different amounts"),
    (checks.check_softmax, lambda x, axis=-1: softmax_stable(x, 1 if x.ndim > 1 else 0), True,
     "normalised along axis 1, but axis=-1 was asked for"),
    (checks.check_logsumexp, lambda x, axis=-1: logsumexp_stable(x.astype(np.float32), axis), False,
     "the precision of float32"),
    (checks.check_logsumexp, lambda x, axis=-1: x.max(axis) + np.log10(
        np.exp(x - x.max(axis, keepdims=True)).sum(axis)), False, "np.log10"),
    (checks.check_logsumexp, lambda x, axis=-1: x.max(axis) + np.log(
        np.exp(x - x.max(axis)).sum(axis)), False, "keep the axis with length 1"),
    (checks.check_masked_softmax, lambda s, m, axis=-1: softmax_stable(np.where(m, s, 0.0), axis),
     False, "it looks like their scores were set to 0"),
    (checks.check_masked_softmax, lambda s, m, axis=-1: softmax_stable(s * m, axis) * m, False,
     "zeroing them afterwards does not give it back"),
    (checks.check_masked_softmax, lambda s, m, axis=-1: softmax_stable(s + m, axis), False,
     "the mask was added to the scores"),
    (checks.check_masked_softmax, lambda s, m, axis=-1: (softmax_stable(s, axis) * m)
     / (softmax_stable(s, axis) * m).sum(), False, "of the whole array together sum to 1"),
    (checks.check_masked_softmax, _exp_then_mask, False,
     "if the masked scores are exponentiated before they are removed"),
    (checks.check_masked_softmax, _exp_then_mask, True, "slices with large allowed scores"),
    (checks.check_masked_softmax, _mask_padded_on_the_right, False, "shapes are lined up from the right"),
    (checks.check_masked_softmax, lambda s, m, axis=-1: masked_inf(s.astype(np.float32), m, axis),
     False, "the precision of float32"),
])
def test_review_mistakes_get_their_message(check, wrong, hidden, message):
    with pytest.raises(FeedbackError) as info:
        check(wrong, hidden)
    assert message in str(info.value)


def test_zeros_for_a_length_one_axis_are_not_called_a_log_softmax():
    """log softmax of a single entry is 0, so zeros must not be diagnosed as the logarithm."""
    with pytest.raises(FeedbackError) as info:
        checks.check_softmax(lambda x, axis=-1: np.zeros_like(x), hidden=True)
    assert "logarithm" not in str(info.value)


def test_more_torch_shortcuts_are_refused():
    torch = pytest.importorskip("torch")
    t = torch.from_numpy
    cases = [
        (checks.check_softmax, lambda x, axis=-1: torch.special.log_softmax(t(x), axis).exp().numpy(),
         "torch.softmax"),
        (checks.check_softmax, lambda x, axis=-1: torch._softmax(t(x), axis, False).numpy(), "torch.softmax"),
        (checks.check_logsumexp, lambda x, axis=-1: torch.logcumsumexp(t(x), axis).select(axis, -1).numpy(),
         "torch.logsumexp"),
        (checks.check_masked_softmax, lambda s, m, axis=-1: torch.special.log_softmax(
            t(np.where(m, s, -1e300)), axis).exp().numpy() * m, "torch.softmax"),
    ]
    for check, fn, name in cases:
        with pytest.raises(FeedbackError, match=f"calls {name}"):
            check(fn)
