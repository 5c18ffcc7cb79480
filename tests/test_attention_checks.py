"""Unit tests of the ps04 checks and of the shared attention checks they use: correct answers in
several styles pass, each known mistake gets its targeted message, and self_attention is graded
with a trusted attention step. (The submission variants in tests/submissions/ps04_attention/
run in tests/test_catalogue.py and tests/test_assignments.py.)
"""

from pathlib import Path

import numpy as np
import pytest

from qkv_course import attention
from qkv_course.checks import FeedbackError
from qkv_course.checks import attention as checks
from qkv_course.checks.diagnoses import pair, softmax as softmax_diagnoses
from qkv_course.checks.diagnoses.case import Attention

ROOT = Path(__file__).resolve().parents[1]


def _stable_weights(scores, mask):
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def correct_sdpa(Q, K, V, mask=None):
    w = _stable_weights(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]), mask)
    return w @ V, w


def correct_einsum(Q, K, V, mask=None):
    s = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(K.shape[-1])
    if mask is None:
        mask = np.ones(s.shape, dtype=bool)
    s = np.where(mask, s, -1e300)
    e = np.where(mask, np.exp(s - s.max(-1, keepdims=True)), 0.0)
    total = e.sum(-1, keepdims=True)
    w = e / np.where(total > 0, total, 1.0)
    return np.einsum("...qk,...kv->...qv", w, V), w


def correct_self(X, W_q, W_k, W_v, mask=None):
    return scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, mask)


scaled_dot_product_attention = correct_sdpa  # what correct_self looks up


def _variant(change):
    """correct_sdpa with one step replaced: change(name, value) -> value."""
    def sdpa(Q, K, V, mask=None):
        d_k = change("d_k", Q.shape[-1])
        kt = change("kt", np.swapaxes(K, -1, -2))
        s = change("scores", Q @ kt / np.sqrt(d_k))
        w = change("weights", _stable_weights(s, change("mask", mask)))
        return change("result", (w @ V, w))
    return sdpa


def _replace(step, fn):
    return _variant(lambda name, value: fn(value) if name == step else value)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden):
    checks.check_scaled_dot_product_attention(correct_sdpa, hidden)
    checks.check_scaled_dot_product_attention(correct_einsum, hidden)
    checks.check_self_attention(correct_self, hidden)


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")

    def torch_sdpa(Q, K, V, mask=None):
        out, w = correct_sdpa(Q, K, V, mask)
        return torch.from_numpy(out), torch.from_numpy(w)

    checks.check_scaled_dot_product_attention(torch_sdpa, hidden=True)


def _large_negative(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    return (lambda w: (w @ V, w))(_stable_weights(s, None))


def _over_queries(Q, K, V):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(s - s.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ V, w


MISTAKES = {
    "no scaling": (_replace("d_k", lambda d: 1), "without the scaling"),
    "d_k": (_replace("d_k", lambda d: d * d), "divided by d_k = 4; divide by its square root"),
    "sqrt d_v": (lambda Q, K, V, mask=None: correct_sdpa(Q * np.sqrt(Q.shape[-1] / V.shape[-1]), K, V, mask),
                 "divided by sqrt(d_v)"),
    "sqrt n_k": (lambda Q, K, V, mask=None: correct_sdpa(Q * np.sqrt(Q.shape[-1] / K.shape[-2]), K, V, mask),
                 "square root of the number of keys"),
    "queries axis": (lambda Q, K, V, mask=None: _over_queries(Q, K, V), "softmax ran over the queries"),
    "swapped": (_replace("result", lambda r: r[::-1]), "returned (weights, output)"),
    "only output": (_replace("result", lambda r: r[0]), "returned one array, shaped like the output"),
    "mask inverted": (_replace("mask", lambda m: m if m is None else ~m), "The mask is inverted"),
    "mask ignored": (_replace("mask", lambda m: None), "The mask had no effect"),
    "empty rows uniform": (_large_negative, "got the same weight on every key"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_mistake_gets_its_message(mistake):
    fn, message = MISTAKES[mistake]
    with pytest.raises(FeedbackError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checks.check_scaled_dot_product_attention(fn)


def test_mask_applied_after_the_softmax():
    def after(Q, K, V, mask=None):
        w = _stable_weights(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]), None)
        w = w if mask is None else w * mask
        return w @ V, w

    with pytest.raises(FeedbackError, match="masked after the softmax"):
        checks.check_scaled_dot_product_attention(after)


def test_nan_in_fully_masked_rows_is_named():
    def nan_rows(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        with np.errstate(invalid="ignore"):
            e = np.exp(s - s.max(-1, keepdims=True))
            w = e / e.sum(-1, keepdims=True)
        return w @ V, w

    with pytest.raises(FeedbackError, match="mask row is all False"):
        checks.check_scaled_dot_product_attention(nan_rows)


def test_naive_softmax_gets_the_overflow_hint():
    def naive(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        e = np.exp(s) if mask is None else np.where(mask, np.exp(s), 0.0)
        w = np.divide(e, e.sum(-1, keepdims=True), out=np.zeros_like(e), where=e.sum(-1, keepdims=True) > 0)
        return w @ V, w

    with pytest.raises(FeedbackError, match="overflows above about 709"):
        checks.check_scaled_dot_product_attention(naive)


def test_k_dot_T_is_named_whether_numpy_raises_or_not():
    def kt(Q, K, V, mask=None):
        w = _stable_weights(Q @ K.T / np.sqrt(Q.shape[-1]), mask)
        return w @ V, w

    with pytest.raises(FeedbackError, match="raised ValueError(.|\n)*K.T reverses every axis"):
        checks.check_scaled_dot_product_attention(kt)
    case = checks._sdpa_cases(hidden=True)[1]
    Q, K, V = case.arrays
    assert (Q @ K.T).shape == (Q @ np.swapaxes(K, -1, -2)).shape  # numpy accepts it here
    with pytest.raises(FeedbackError, match="returned a wrong result. K has leading batch axes here: K.T reverses"):
        checks.check_scaled_dot_product_attention(kt, hidden=True)


def test_shortcuts_are_caught():
    from qkv_course.attention import scaled_dot_product_attention as ref
    from qkv_course.softmax import masked_softmax

    with pytest.raises(FeedbackError, match="calls qkv_course.attention.scaled_dot_product_attention"):
        checks.check_scaled_dot_product_attention(lambda Q, K, V, mask=None: ref(Q, K, V, mask))

    def course_softmax(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        w = masked_softmax(s, np.ones(s.shape, bool) if mask is None else mask)
        return w @ V, w

    with pytest.raises(FeedbackError, match="calls qkv_course.softmax.masked_softmax"):
        checks.check_scaled_dot_product_attention(course_softmax)


def test_torch_sdpa_is_caught():
    torch = pytest.importorskip("torch")
    from torch.nn.functional import scaled_dot_product_attention as fast

    def via_torch(Q, K, V, mask=None):
        t = [torch.from_numpy(a) for a in (Q, K, V)]
        m = None if mask is None else torch.from_numpy(np.broadcast_to(mask, Q.shape[:-1] + K.shape[-2:-1]).copy())
        return fast(*t, attn_mask=m), None

    with pytest.raises(FeedbackError, match="calls torch.nn.functional.scaled_dot_product_attention"):
        checks.check_scaled_dot_product_attention(via_torch)


def test_in_place_scaling_is_reported():
    def in_place(Q, K, V, mask=None):
        Q /= np.sqrt(Q.shape[-1])
        w = _stable_weights(Q @ np.swapaxes(K, -1, -2), mask)
        return w @ V, w

    with pytest.raises(FeedbackError, match="modified its input array in place"):
        checks.check_scaled_dot_product_attention(in_place)


SELF_MISTAKES = {
    "swapped": (lambda X, Wq, Wk, Wv, mask=None: scaled_dot_product_attention(X @ Wk, X @ Wq, X @ Wv, mask),
                "queries and keys are swapped"),
    "no projections": (lambda X, Wq, Wk, Wv, mask=None: scaled_dot_product_attention(X, X, X @ Wv, mask),
                       "without the projections"),
    "mask dropped": (lambda X, Wq, Wk, Wv, mask=None: scaled_dot_product_attention(X @ Wq, X @ Wk, X @ Wv),
                     "The mask had no effect"),
    "values are X": (lambda X, Wq, Wk, Wv, mask=None: (lambda o, w: (w @ X, w))(
        *scaled_dot_product_attention(X @ Wq, X @ Wk, X @ Wv, mask)), "averages the embeddings X"),
    "sqrt d_model": (lambda X, Wq, Wk, Wv, mask=None: correct_sdpa(
        X @ Wq * np.sqrt(Wq.shape[1] / X.shape[-1]), X @ Wk, X @ Wv, mask), "sqrt(d_model)"),
}


@pytest.mark.parametrize("mistake", sorted(SELF_MISTAKES))
def test_each_self_attention_mistake_gets_its_message(mistake):
    fn, message = SELF_MISTAKES[mistake]
    with pytest.raises(FeedbackError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checks.check_self_attention(fn)


def test_a_wrong_attention_costs_points_only_once():
    """self_attention is graded with the reference attention in the student's namespace."""
    namespace = {"np": np}
    exec(
        "def scaled_dot_product_attention(Q, K, V, mask=None):\n"
        "    s = Q @ np.swapaxes(K, -1, -2)\n"
        "    e = np.exp(s - s.max(-1, keepdims=True))\n"
        "    return (e / e.sum(-1, keepdims=True)) @ V, e / e.sum(-1, keepdims=True)\n"
        "def self_attention(X, W_q, W_k, W_v, mask=None):\n"
        "    return scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, mask)\n",
        namespace,
    )
    wrong = namespace["scaled_dot_product_attention"]
    with pytest.raises(FeedbackError, match="without the scaling"):
        checks.check_scaled_dot_product_attention(wrong)
    checks.check_self_attention(namespace["self_attention"], hidden=True)
    assert namespace["scaled_dot_product_attention"] is wrong  # restored afterwards


def test_messages_do_not_show_hidden_arrays():
    def slightly_off(Q, K, V, mask=None):
        out, w = correct_sdpa(Q, K, V, mask)
        return out + 0.1, w

    with pytest.raises(FeedbackError) as info:
        checks.check_scaled_dot_product_attention(slightly_off, hidden=True)
    assert "[" not in str(info.value).split("returned", 1)[1]


# --------------------------------------------------------------------------- what the review found

def test_hidden_cases_cover_1d_masks_and_large_scores_under_a_mask():
    cases = checks._sdpa_cases(hidden=True)
    assert any(c.mask is not None and c.mask.ndim == 1 for c in cases)
    underflowing = [c for c in cases if c.mask is not None
                    and softmax_diagnoses.underflowing_max(Attention(*c.arrays, c.mask))
                    is not None]
    assert underflowing, "no hidden case where a maximum taken over blocked keys underflows"


def test_float32_answers_pass_and_mistakes_in_float32_are_still_named():
    def f32(Q, K, V, mask=None):
        out, w = correct_sdpa(*(np.float32(a) for a in (Q, K, V)), mask)
        return out.astype(np.float32), w.astype(np.float32)

    checks.check_scaled_dot_product_attention(f32, hidden=True)
    checks.check_self_attention(lambda X, W_q, W_k, W_v, mask=None: f32(
        *(np.float32(X) @ np.float32(W) for W in (W_q, W_k, W_v)), mask), hidden=True)
    unscaled = _replace("d_k", lambda d: 1)
    with pytest.raises(FeedbackError, match="without the scaling"):
        checks.check_scaled_dot_product_attention(
            lambda Q, K, V, mask=None: tuple(np.float32(a) for a in unscaled(Q, K, V, mask)))


def test_masked_arrays_count_their_masked_entries_as_zero():
    def masked(Q, K, V, mask=None):
        out, w = correct_sdpa(Q, K, V, mask)
        blocked = np.zeros(w.shape, bool) if mask is None else ~np.broadcast_to(mask, w.shape)
        garbage = np.where(blocked, 7.0, w)                   # what hides under the mask is ignored
        return out, np.ma.masked_array(garbage, mask=blocked)

    checks.check_scaled_dot_product_attention(masked, hidden=True)


def test_a_tuple_subclass_cannot_compute_its_items_when_the_grader_reads_them():
    class Lazy(tuple):
        def __getitem__(self, i):
            return attention.scaled_dot_product_attention(*self.args)[i]

        def __len__(self):
            return 2

    def lazy(Q, K, V, mask=None):
        t = Lazy((None, None))
        t.args = (Q, K, V, mask)
        return t

    with pytest.raises(FeedbackError, match="returned None"):
        checks.check_scaled_dot_product_attention(lazy)


@pytest.mark.parametrize("condition", ["if mask:", "if mask == None: mask = True\n    if True:"])
def test_if_mask_gets_the_is_not_none_hint_and_no_batch_hint(condition):
    namespace = {"np": np, "correct_sdpa": correct_sdpa}
    exec("def sdpa(Q, K, V, mask=None):\n"
         f"    {condition}\n"
         "        pass\n"
         "    return correct_sdpa(Q, K, V, mask)\n", namespace)
    for hidden in (False, True):
        with pytest.raises(FeedbackError) as info:
            checks.check_scaled_dot_product_attention(namespace["sdpa"], hidden=hidden)
        assert "if mask is not None:" in str(info.value)
        assert "K.T" not in str(info.value)


def test_sum_without_keepdims_is_named_whether_numpy_raises_or_not():
    def no_keepdims(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        e = np.exp(s - s.max(-1, keepdims=True))
        if mask is not None:
            e = np.where(mask, e, 0.0)
        w = e / e.sum(-1)
        return w @ V, w

    with pytest.raises(FeedbackError, match="raised ValueError(.|\n)*keepdims=True"):
        checks.check_scaled_dot_product_attention(no_keepdims)
    rng = np.random.default_rng(3)
    Q, K, V = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    att = Attention(Q, K, V)                        # n_q == n_k: numpy divides silently
    with pytest.raises(FeedbackError, match="Each row was divided by the wrong total"):
        pair.grade_pair(no_keepdims, "sdpa", {"Q": Q, "K": K, "V": V}, att, forbidden={},
                                    weight_diagnoses=pair.weight_diagnoses(att),
                                    weights_hint="", output_hint="")


def test_a_maximum_over_blocked_keys_is_named():
    def max_over_all(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        e = np.exp(s - s.max(-1, keepdims=True))
        e = e if mask is None else e * mask
        t = e.sum(-1, keepdims=True)
        w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
        return w @ V, w

    checks.check_scaled_dot_product_attention(max_over_all)           # right where nothing underflows
    with pytest.raises(FeedbackError, match="own largest allowed score"):
        checks.check_scaled_dot_product_attention(max_over_all, hidden=True)


def test_blocked_keys_need_exactly_zero_weight():
    def small_fill(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        allowed = np.broadcast_to(True if mask is None else mask, s.shape)
        w = _stable_weights(np.where(allowed, s, -40.0), None)
        w = np.where(allowed.any(-1, keepdims=True), w, 0.0)
        return w @ V, w

    with pytest.raises(FeedbackError, match="blocked keys small but non-zero weights"):
        checks.check_scaled_dot_product_attention(small_fill)


def test_the_uniform_rows_message_names_the_fill_value_and_the_fix():
    with pytest.raises(FeedbackError) as info:
        checks.check_scaled_dot_product_attention(_large_negative)
    message = str(info.value)
    assert "-1e9" in message and "must all be 0" in message and "1/n_k" in message


def test_exit_costs_the_test_with_a_message():
    def leaves(Q, K, V, mask=None):
        raise SystemExit("bye")

    with pytest.raises(FeedbackError, match="raised SystemExit"):
        checks.check_scaled_dot_product_attention(leaves)


def test_shared_checks_handle_head_axes_and_broadcast_masks():
    """The shared checks are general: (batch, heads, n, d) arrays and a (batch, 1, 1, n_k) mask,
    as multi-head attention will use them."""
    rng = np.random.default_rng(0)
    Q, K, V = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(2, 3, 6, 2))
    mask = np.ones((2, 1, 1, 6), bool)
    mask[1, ..., 4:] = False
    att = Attention(Q, K, V, mask)
    assert att.weights.shape == (2, 3, 4, 6) and att.batch == (2, 3)
    options = dict(forbidden={}, weights_hint="", output_hint="")

    def grade(fn):
        pair.grade_pair(fn, "mha", {"Q": Q, "K": K, "V": V}, att,
                                    weight_diagnoses=pair.weight_diagnoses(att), **options)

    grade(correct_sdpa)
    grade(correct_einsum)
    with pytest.raises(FeedbackError, match="The mask had no effect"):
        grade(lambda Q, K, V, mask=None: correct_sdpa(Q, K, V))
    def over_queries(Q, K, V, mask=None):
        s = np.swapaxes(Q @ np.swapaxes(K, -1, -2), -1, -2) / np.sqrt(Q.shape[-1])
        w = np.swapaxes(_stable_weights(s, np.swapaxes(mask, -1, -2)), -1, -2)
        return w @ V, w

    with pytest.raises(FeedbackError, match="softmax ran over the queries"):
        grade(over_queries)
