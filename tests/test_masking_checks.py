"""Unit tests of the ps05 checks, without nbgrader: the reference passes, the cases cover what the
assignment promises, and typical mistakes get their targeted message. (The submission variants in
tests/submissions/ps05_masking/ run in tests/test_catalogue.py and tests/test_assignments.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qkv_course import attention, masking
from qkv_course.checks import masking as checks
from qkv_course.checks.diagnoses.case import Attention
from qkv_course.checks.diagnoses.softmax import underflowing_max
from qkv_course.checks.core import FeedbackError

ROOT = Path(__file__).resolve().parents[1]


def _softmax_rows(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    z = np.where(allowed, scores, -np.inf)
    top = z.max(axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(z - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def good_cross(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = X_q @ W_q, X_kv @ W_k, X_kv @ W_v
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    allowed = np.broadcast_to(True if mask is None else mask, scores.shape)
    w = _softmax_rows(scores, allowed)
    return w @ V, w


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden):
    checks.check_causal_mask(lambda n: np.tril(np.ones((n, n), dtype=bool)), hidden)
    checks.check_padding_mask(lambda L, m: np.arange(m) < np.asarray(L)[:, None], hidden)
    checks.check_cross_attention(good_cross, hidden)


def test_hidden_cross_cases_cover_the_promised_situations():
    cases = checks._cross_cases(hidden=True)
    assert {c.X_q.ndim - 2 for c in cases} == {0, 1, 2}                 # leading batch axes
    assert all(c.X_q.shape[-2] != c.X_kv.shape[-2] for c in cases)      # n_q != n_kv
    assert any(c.W[0].shape[1] != c.W[2].shape[1] for c in cases)        # d_k != d_v
    assert any(c.W[0].shape[1] == 1 for c in cases)                      # d_k = 1
    shapes = {c.mask.shape for c in cases if c.mask is not None}
    assert (4, 6) in shapes and (3, 1, 6) in shapes and (3, 1, 5) in shapes
    empty = [c for c in cases if c.mask is not None
             and (~np.broadcast_to(c.mask, c.X_q.shape[:-1] + (c.X_kv.shape[-2],))).all(-1).any()]
    assert len(empty) >= 2                                               # fully masked rows
    big = [c for c in cases if np.abs((c.X_q @ c.W[0]) @ np.swapaxes(c.X_kv @ c.W[1], -1, -2)).max() > 700]
    assert big                                                           # np.exp would overflow


def test_hidden_padding_cases_cover_edge_lengths():
    cases = checks._padding_cases(hidden=True)
    assert any(0 in np.asarray(c.lengths) for c in cases)
    assert any((np.asarray(c.lengths) == c.max_len).any() for c in cases)
    assert {type(c.lengths) for c in cases} == {list, tuple, np.ndarray}
    assert any(len(c.lengths) == c.max_len for c in cases)              # a transpose keeps the shape


@pytest.mark.parametrize("fn, message", [
    (lambda n: np.triu(np.ones((n, n), dtype=bool)), "above* the diagonal"),
    (lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1), "The diagonal is False"),
    (lambda n: np.tril(np.ones((n, n), dtype=int)), "not bool"),
    (lambda n: ~np.tril(np.ones((n, n), dtype=bool)), "True and False are swapped"),
    (lambda n: masking.causal_mask(n), "calls qkv_course.masking.causal_mask"),
])
def test_causal_mask_mistakes(fn, message):
    with pytest.raises(FeedbackError, match=message.replace("*", r"\*")):
        checks.check_causal_mask(fn)


@pytest.mark.parametrize("fn, message", [
    (lambda L, m: np.arange(m) >= np.asarray(L)[:, None], "it marks the padding"),
    (lambda L, m: np.arange(m) <= np.asarray(L)[:, None], "one True too many"),
    (lambda L, m: np.arange(m)[:, None] < np.asarray(L), "rows are positions"),
    (lambda L, m: np.arange(m) < L[:, None], "Python list or tuple"),
    (lambda L, m: (np.arange(m) < np.asarray(L)[:, None]).astype(float), "not bool"),
])
def test_padding_mask_mistakes(fn, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_padding_mask(fn)


def test_padding_mask_transpose_is_caught_when_batch_equals_max_len():
    with pytest.raises(FeedbackError, match="rows are positions"):
        checks.check_padding_mask(lambda L, m: (np.arange(m)[:, None] < np.asarray(L)), hidden=True)


def _cross_variant(**change):
    def fn(X_q, X_kv, W_q, W_k, W_v, mask=None):
        Q = X_q @ W_q
        K, V = X_kv @ W_k, X_kv @ W_v
        scale = 1.0 if change.get("unscaled") else np.sqrt(Q.shape[-1])
        scores = Q @ np.swapaxes(K, -1, -2) / scale
        allowed = np.broadcast_to(True if mask is None or change.get("ignore") else mask, scores.shape)
        if change.get("invert") and mask is not None:
            allowed = ~allowed
        if change.get("nan"):
            z = np.where(allowed, scores, -np.inf)
            with np.errstate(invalid="ignore"):
                e = np.exp(z - z.max(-1, keepdims=True))
                w = e / e.sum(-1, keepdims=True)
        else:
            w = _softmax_rows(scores, allowed)
        return w @ V, w
    return fn


@pytest.mark.parametrize("change, message", [
    ({"unscaled": True}, "without the scaling"),
    ({"ignore": True}, "The mask had no effect"),
    ({"invert": True}, "The mask is inverted"),
    ({"nan": True}, "mask row is all False"),
])
def test_cross_attention_mistakes(change, message):
    with pytest.raises(FeedbackError, match=message):
        checks.check_cross_attention(_cross_variant(**change))


def test_cross_attention_swapped_sequences_and_shortcuts():
    with pytest.raises(FeedbackError, match="one row per X_kv token"):
        checks.check_cross_attention(lambda a, b, q, k, v, mask=None: good_cross(b, a, q, k, v))
    with pytest.raises(FeedbackError, match="calls qkv_course.attention.cross_attention"):
        checks.check_cross_attention(attention.cross_attention)
    with pytest.raises(FeedbackError, match=r"as a tuple: \(output, weights\)"):
        checks.check_cross_attention(lambda *a, **k: good_cross(*a, **k)[0])


def test_messages_do_not_print_hidden_arrays():
    """A wrong answer on hidden cases is described, never shown as a whole expected array."""
    def off(*args, **kwargs):
        out, w = good_cross(*args, **kwargs)
        return out + 0.5, w
    with pytest.raises(FeedbackError) as info:
        checks.check_cross_attention(off, hidden=True)
    assert "[[" not in str(info.value) and len(str(info.value)) < 600


# --------------------------------------------------------------------------- what the review found

def test_hidden_cross_cases_cover_1d_masks_and_a_blocked_best_key():
    cases = checks._cross_cases(hidden=True)
    assert any(c.mask is not None and c.mask.ndim == 1 for c in cases)
    atts = [Attention(c.X_q @ c.W[0], c.X_kv @ c.W[1], c.X_kv @ c.W[2], c.mask)
            for c in cases if c.mask is not None]
    assert any(underflowing_max(a) is not None for a in atts)


def test_cross_attention_float32_and_masked_arrays_pass():
    def f32(X_q, X_kv, W_q, W_k, W_v, mask=None):
        out, w = good_cross(*(np.float32(a) for a in (X_q, X_kv, W_q, W_k, W_v)), mask)
        blocked = np.zeros(w.shape, bool) if mask is None else ~np.broadcast_to(mask, w.shape)
        return out.astype(np.float32), np.ma.masked_array(w.astype(np.float32), mask=blocked)

    checks.check_cross_attention(f32, hidden=True)


def test_cross_attention_if_mask_and_blocked_maximum_get_their_messages():
    def if_mask(X_q, X_kv, W_q, W_k, W_v, mask=None):
        if mask:
            pass
        return good_cross(X_q, X_kv, W_q, W_k, W_v, mask)

    with pytest.raises(FeedbackError, match="if mask is not None:"):
        checks.check_cross_attention(if_mask)

    def max_over_all(X_q, X_kv, W_q, W_k, W_v, mask=None):
        Q, K, V = X_q @ W_q, X_kv @ W_k, X_kv @ W_v
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        e = np.exp(s - s.max(-1, keepdims=True)) * (True if mask is None else mask)
        t = e.sum(-1, keepdims=True)
        w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
        return w @ V, w

    checks.check_cross_attention(max_over_all)
    with pytest.raises(FeedbackError, match="own largest allowed score"):
        checks.check_cross_attention(max_over_all, hidden=True)


def test_padding_mask_as_wide_as_the_longest_sequence_is_named():
    with pytest.raises(FeedbackError, match="max\\(lengths\\) columns"):
        checks.check_padding_mask(lambda L, m: np.arange(max(L)) < np.asarray(L)[:, None])
