"""ps09 grading: correct answers pass, the hidden cases cover what they should (multi-query and
ordinary heads, batches, an empty cache, masks with an empty row, heads that do not divide),
each step is checked against full causal attention, and the usual mistakes get their messages
(in-process; tests/submissions/ps09_generation holds the catalogue, graded in-process and through
nbgrader)."""

from __future__ import annotations

import numpy as np
import pytest

from qkv_course import generation
from qkv_course.checks import generation as checks
from qkv_course.checks.core import FeedbackError
from qkv_grader.hidden import generation as hidden


def gqa(Q, K, V, mask=None, *, tile=False, check=True):
    h, k = Q.shape[-3], K.shape[-3]
    if check and (K.shape[-3] != V.shape[-3] or h % k):
        raise ValueError("heads")
    if tile:
        K, V = np.concatenate([K] * (h // k), axis=-3), np.concatenate([V] * (h // k), axis=-3)
    else:
        K, V = np.repeat(K, h // k, axis=-3), np.repeat(V, h // k, axis=-3)
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0))
    z = e.sum(-1, keepdims=True)
    w = np.divide(e, z, out=np.zeros_like(e), where=z > 0)
    return w @ V, w


def fails(check, fn, *, hidden: bool = False) -> str:
    with pytest.raises(FeedbackError) as info:
        check(fn, hidden=hidden)
    return str(info.value)


@pytest.mark.parametrize("is_hidden", [False, True])
def test_correct_answers_pass(is_hidden):
    checks.check_grouped_query_attention(gqa, hidden=is_hidden)
    checks.check_kv_cache_bytes(lambda l, k, d, t, batch=1, bytes_per_number=2: 2 * l * k * d * t * batch * bytes_per_number,
                                hidden=is_hidden)


def test_the_hidden_cases_cover_what_they_should():
    cases = hidden.gqa_cases()
    assert {c.K.shape[-3] for c in cases} >= {1} and any(c.K.shape[-3] == c.Q.shape[-3] for c in cases)
    assert any(c.mask is not None and not np.asarray(c.mask).any(axis=-1).all() for c in cases)
    assert any(c.Q.shape[-2] == 1 < c.K.shape[-2] for c in cases)          # decoding: one query
    bad = hidden.bad_gqa_cases()
    assert any(c.Q.shape[-3] % c.K.shape[-3] for c in bad) and any(c.K.shape[-3] != c.V.shape[-3] for c in bad)
    steps = hidden.step_cases()
    assert any(c.K_cache.shape[-2] == 0 for c in steps) and any(c.x.ndim >= 2 for c in steps)
    assert {c.K_cache.shape[-3] == c.num_heads for c in steps} == {True, False}


def test_each_step_case_is_a_row_of_full_causal_attention():
    """The caches a step case carries are the real keys and values of earlier tokens, so the
    expected y is the last row of causal attention over those tokens and the new one."""
    rng = np.random.default_rng(0)
    d, h, kv, t = 8, 4, 2, 5
    d_head = d // h
    W_q, W_o = rng.normal(size=(2, d, d))
    W_k, W_v = rng.normal(size=(2, d, kv * d_head))
    X = rng.normal(size=(t + 1, d))
    from qkv_course.multihead import split_heads
    K, V = split_heads(X[:t] @ W_k, kv), split_heads(X[:t] @ W_v, kv)
    y, K1, V1 = generation.cached_step(X[t], K, V, W_q, W_k, W_v, W_o, h)
    full = generation.causal_self_attention(X, W_q, W_k, W_v, W_o, h, kv)
    assert np.abs(y - full[-1]).max() < 1e-12 and K1.shape == (kv, t + 1, d_head)


def test_a_student_decode_step_passes_and_tile_is_named():
    def decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads, tile=False):
        d = x.shape[-1]
        dh, kv = d // num_heads, K_cache.shape[-3]
        heads = lambda v, n: v.reshape(v.shape[:-1] + (n, 1, dh))
        K = np.concatenate([K_cache, heads(x @ W_k, kv)], axis=-2)
        V = np.concatenate([V_cache, heads(x @ W_v, kv)], axis=-2)
        out, _ = gqa(heads(x @ W_q, num_heads), K, V, tile=tile)
        return out.reshape(out.shape[:-3] + (d,)) @ W_o, K, V

    checks.check_decode_step(decode_step)
    checks.check_decode_step(decode_step, hidden=True)
    assert "np.tile" in fails(checks.check_decode_step,
                              lambda *a: decode_step(*a, tile=True), hidden=True)


def test_heads_that_do_not_divide_must_raise_value_error():
    assert "raise ValueError" in fails(checks.check_grouped_query_attention,
                                       lambda Q, K, V, mask=None: gqa(Q, K, V, mask, check=False))
    assert "np.tile" in fails(checks.check_grouped_query_attention,
                              lambda Q, K, V, mask=None: gqa(Q, K, V, mask, tile=True), hidden=True)


def test_the_course_functions_are_refused():
    msg = fails(checks.check_grouped_query_attention,
                lambda Q, K, V, mask=None: generation.grouped_query_attention(Q, K, V, mask))
    assert "qkv_course.generation.grouped_query_attention" in msg
