"""ps10 grading: the reference answers pass, the hidden cases cover what they should, and the
typical mistakes get their targeted messages (in-process; tests/submissions/ps10_cost runs a
selection of these through nbgrader)."""

from __future__ import annotations

import numpy as np
import pytest

from qkv_course import attention, cost
from qkv_course.checks import cost as checks
from qkv_course.checks.core import FeedbackError

CHECKS = {
    "attention_flops": checks.check_attention_flops,
    "attention_memory_bytes": checks.check_attention_memory_bytes,
    "local_window_mask": checks.check_local_window_mask,
    "chunked_attention": checks.check_chunked_attention,
}


def fails(check, fn, *, hidden: bool = False) -> str:
    with pytest.raises(FeedbackError) as info:
        check(fn, hidden=hidden)
    return str(info.value)


def fails_somewhere(check, fn) -> str:
    """The message of the first failing set (visible, then hidden)."""
    try:
        check(fn)
    except FeedbackError as err:
        return str(err)
    return fails(check, fn, hidden=True)


# --------------------------------------------------------------------------- a correct student

def flops(n_q, n_k, d_k, d_v):
    return 2 * n_q * n_k * d_k + 2 * n_q * n_k * d_v


def memory(n_q, n_k, itemsize=4):
    return n_q * n_k * itemsize


def window_mask(n, window):
    i = np.arange(n)
    return np.abs(i[:, None] - i[None, :]) <= window


def online(Q, K, V, chunk_size, mask=None, *, rescale=True, guard=True, fill=-np.inf,
           tail=True, divide_where=True, subtract_max=True):
    """A student's chunked attention, with switches for the classic mistakes."""
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
    m, l, acc = -np.inf, 0.0, 0.0
    stop = n_k if tail else (n_k // chunk_size) * chunk_size
    for a in range(0, stop, chunk_size):
        s = Q @ np.swapaxes(K[..., a:a + chunk_size, :], -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            s = np.where(mask[..., a:a + chunk_size], s, fill)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True)) if subtract_max else 0.0
        shift = np.where(np.isneginf(m_new), 0.0, m_new) if guard else m_new
        p = np.exp(s - shift)
        r = np.exp(m - shift) if rescale else 1.0
        l = r * l + p.sum(axis=-1, keepdims=True)
        acc = r * acc + p @ V[..., a:a + chunk_size, :]
        m = m_new
    if divide_where:
        return np.divide(acc, l, out=np.zeros(np.broadcast_shapes(np.shape(acc), np.shape(l))), where=l > 0)
    return acc / l


def chunked(Q, K, V, chunk_size, mask=None):
    return online(Q, K, V, chunk_size, mask)


@pytest.mark.parametrize("name, fn", [("attention_flops", flops), ("attention_memory_bytes", memory),
                                      ("local_window_mask", window_mask), ("chunked_attention", chunked)])
@pytest.mark.parametrize("hidden", [False, True])
def test_a_correct_answer_passes(name, fn, hidden):
    CHECKS[name](fn, hidden=hidden)


def test_correct_alternatives_pass():
    def two_pass(Q, K, V, chunk_size, mask=None):
        n_k, scale = K.shape[-2], np.sqrt(Q.shape[-1])
        mask = None if mask is None else np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
        chunks = [slice(a, a + chunk_size) for a in range(0, n_k, chunk_size)]

        def scores(c):
            s = Q @ np.swapaxes(K[..., c, :], -1, -2) / scale
            return s if mask is None else np.where(mask[..., c], s, -np.inf)

        top = np.full(scores(chunks[0]).shape[:-1] + (1,), -np.inf)
        for c in chunks:
            top = np.maximum(top, scores(c).max(axis=-1, keepdims=True))
        top = np.where(np.isfinite(top), top, 0.0)
        total, out = 0.0, 0.0
        for c in chunks:
            e = np.exp(scores(c) - top)
            total = total + e.sum(axis=-1, keepdims=True)
            out = out + e @ V[..., c, :]
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), 0.0)

    def float32(Q, K, V, chunk_size, mask=None):
        return chunked(Q.astype(np.float32), K.astype(np.float32), V.astype(np.float32), chunk_size, mask)

    def window_tri(n, window):
        return np.tri(n, n, window, dtype=bool) & ~np.tri(n, n, -window - 1, dtype=bool)

    for fn in (two_pass, float32):
        for hidden in (False, True):
            checks.check_chunked_attention(fn, hidden=hidden)
    for hidden in (False, True):
        checks.check_local_window_mask(window_tri, hidden=hidden)
        checks.check_attention_flops(lambda n_q, n_k, d_k, d_v: float(2 * n_q * n_k * (d_k + d_v)), hidden=hidden)
        checks.check_attention_memory_bytes(lambda n_q, n_k, itemsize=4: np.int64(n_q) * n_k * itemsize,
                                          hidden=hidden)


def test_hidden_cases_cover_the_hard_parts():
    cases = checks._chunked_cases(hidden=True)
    assert {c.Q.ndim - 2 for c in cases} == {0, 1, 2}
    assert any(c.chunk_size == 1 for c in cases)
    assert any(c.chunk_size > c.K.shape[-2] for c in cases)
    assert any(c.K.shape[-2] % c.chunk_size for c in cases)
    assert any(c.Q.shape[-2] != c.K.shape[-2] and c.Q.shape[-1] != c.V.shape[-1] for c in cases)
    masked = [c for c in cases if c.mask is not None and not c.measure_memory]
    shape = lambda c: c.Q.shape[:-1] + (c.K.shape[-2],)                       # noqa: E731
    assert any((~np.broadcast_to(c.mask, shape(c)).any(axis=-1)).any() for c in masked)  # empty rows
    assert any(checks._blocked_front(c, shape(c)).any() for c in masked)      # first chunk blocked
    assert {np.ndim(c.mask) for c in masked} >= {2, 3}
    assert any(np.abs(checks._scaled(c)).max() > 5000 for c in cases)
    assert sum(c.measure_memory for c in cases) == 1
    for c in cases:                                                          # expected values are finite
        if not c.measure_memory:
            assert np.isfinite(attention.scaled_dot_product_attention(c.Q, c.K, c.V, c.mask)[0]).all()


# --------------------------------------------------------------------------- counts

@pytest.mark.parametrize("fn, message", [
    (lambda n_q, n_k, d_k, d_v: n_q * n_k * (d_k + d_v), "one FLOP per multiply-add"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_k * d_k, "counts only the scores Q K^T"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_k * d_v, "counts only the product weights @ V"),
    (lambda n_q, n_k, d_k, d_v: 4 * n_q * n_k * d_k, "uses d_k for both products"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_q * (d_k + d_v), "uses n_q x n_q score entries"),
    (lambda n_q, n_k, d_k, d_v: n_q * n_k, "number of score entries"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_k * d_k * d_v, "multiplies d_k by d_v"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_k * (d_k + d_v) + 5 * n_q * n_k, "include the softmax"),
    (lambda n_q, n_k, d_k, d_v: n_q * n_k * (2 * d_k - 1) + n_q * d_v * (2 * n_k - 1), "d - 1 additions"),
    (lambda n_q, n_k, d_k, d_v: n_q * n_k * (2 * d_k - 1) + n_q * n_k * (2 * d_v - 1), "d - 1 additions"),
    (lambda n_q, n_k, d_k, d_v: 2 * n_q * n_k * (d_k + d_v) + 1, "where 224 was expected"),
    (lambda n_q, n_k, d_k, d_v: np.array([2 * n_q * n_k * (d_k + d_v)]), "a single number"),
    (cost.attention_flops, "calls qkv_course.cost.attention_flops"),
])
def test_flops_mistakes(fn, message):
    assert message in fails(checks.check_attention_flops, fn)


def test_flops_hidden_mistakes_do_not_show_the_expected_number():
    def off_by_one(n_q, n_k, d_k, d_v):
        return 2 * n_q * n_k * (d_k + d_v) - (n_q == 1024)
    message = fails(checks.check_attention_flops, off_by_one, hidden=True)
    assert "does not follow the definition" in message and "expected" not in message


@pytest.mark.parametrize("fn, message", [
    (lambda n_q, n_k, itemsize=4: 8 * n_q * n_k * itemsize, "size in bits"),
    (lambda n_q, n_k, itemsize=4: 4 * n_q * n_k, "itemsize=8 was passed"),
    (lambda n_q, n_k, itemsize=4: n_q * n_k, "the number of entries"),
    (lambda n_q, n_k, itemsize=4: n_q * n_q * itemsize, "uses n_q x n_q entries"),
    (lambda n_q, n_k, itemsize=4: 2 * n_q * n_k * itemsize, "counts two matrices"),
    (lambda n_q, n_k, itemsize=4: n_q * n_k * itemsize / 2**20, "mebibytes"),
    (lambda n_q, n_k, itemsize=4: n_q * n_k * itemsize / 1e6, "megabytes"),
    (lambda n_q, n_k, itemsize=4: 32 * n_q * n_k, "size in bits"),
    (lambda n_q, n_k, itemsize=4: 8 * n_q * n_k, "8 bytes per number (float64) where itemsize=4"),
    (lambda n_q, n_k, itemsize: n_q * n_k * itemsize, "missing 1 required positional argument"),
    (lambda n_q, n_k, itemsize=4: None, "forget the `return`"),
])
def test_memory_mistakes(fn, message):
    assert message in fails(checks.check_attention_memory_bytes, fn)


# --------------------------------------------------------------------------- local_window_mask

def _pattern(rule):
    def mask(n, window):
        i, j = np.indices((n, n))
        return rule(i, j, window)
    return mask


@pytest.mark.parametrize("fn, message", [
    (_pattern(lambda i, j, w: abs(i - j) < w), "one position too narrow"),
    (_pattern(lambda i, j, w: abs(i - j) <= w + 1), "one position too wide"),
    (_pattern(lambda i, j, w: (i - j >= 0) & (i - j <= w)), "only looks back"),
    (_pattern(lambda i, j, w: (j - i >= 0) & (j - i <= w)), "only looks forward"),
    (_pattern(lambda i, j, w: abs(i - j) > w), "True and False are swapped"),
    (_pattern(lambda i, j, w: (abs(i - j) <= w).astype(int)), "its dtype is int64, not bool"),
    (_pattern(lambda i, j, w: (abs(i - j) <= w).astype(float)), "not bool"),
    (_pattern(lambda i, j, w: (abs(i - j) <= w).tolist()), "returned a list"),
    (lambda n, window: np.ones(n, dtype=bool), "shape (n, n)"),
    (cost.local_window_mask, "calls qkv_course.cost.local_window_mask"),
])
def test_window_mistakes(fn, message):
    assert message in fails(checks.check_local_window_mask, fn)


def test_memory_float64_is_named_where_it_differs_from_two_matrices():
    def float64(n_q, n_k, itemsize=4):
        return 8 * n_q * n_k
    with pytest.raises(FeedbackError) as info:
        checks._check_memory_case(float64, {"n_q": 7, "n_k": 3, "itemsize": 2}, {}, hidden=False)
    assert "8 bytes per number (float64), but itemsize=2 was passed" in str(info.value)


def _slice_unclipped(n, window):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        mask[i, i - window:i + window + 1] = True
    return mask


@pytest.mark.parametrize("fn, message", [
    (_slice_unclipped, "negative start (i - window < 0)"),
    (_pattern(lambda i, j, w: abs(i - j) <= w // 2), "total width of the band"),
    (_pattern(lambda i, j, w: abs(i - j) <= (w - 1) // 2), "total width of the band"),
])
@pytest.mark.parametrize("hidden", [False, True])
def test_window_slicing_and_width_mistakes(fn, message, hidden):
    assert message in fails(checks.check_local_window_mask, fn, hidden=hidden)


def test_window_built_with_eye_fails_only_for_large_windows():
    def band(n, window):                       # np.eye(n, k=...) handles any offset, so this is right
        return sum(np.eye(n, k=k, dtype=int) for k in range(-window, window + 1)).astype(bool)
    checks.check_local_window_mask(band, hidden=True)


# --------------------------------------------------------------------------- chunked_attention

def full_matrix(Q, K, V, chunk_size, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0))
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0) @ V


def collect_chunks(Q, K, V, chunk_size, mask=None):
    """Loops over chunks, but keeps every chunk's scores and joins them at the end."""
    parts = [Q @ np.swapaxes(K[..., a:a + chunk_size, :], -1, -2)
             for a in range(0, K.shape[-2], chunk_size)]
    return full_matrix(Q, K, V, chunk_size, mask) + 0 * np.concatenate(parts, axis=-1)[..., :1]


def float32_full(Q, K, V, chunk_size, mask=None):
    return full_matrix(*(a.astype(np.float32) for a in (Q, K, V)), chunk_size, mask)


def per_chunk_average(Q, K, V, chunk_size, mask=None):
    outs = []
    for a in range(0, K.shape[-2], chunk_size):
        m = None if mask is None else np.broadcast_to(mask, np.shape(mask)[:-1] + (K.shape[-2],))[..., a:a + chunk_size]
        outs.append(full_matrix(Q, K[..., a:a + chunk_size, :], V[..., a:a + chunk_size, :], 0, m))
    return sum(outs) / len(outs)


def last_chunk_only(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    a = ((n_k - 1) // chunk_size) * chunk_size
    m = None if mask is None else np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))[..., a:]
    return full_matrix(Q, K[..., a:, :], V[..., a:, :], 0, m)


def mask_not_sliced(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
        c = chunk_size
        mask = np.concatenate([mask[..., :c]] * (n_k // c + 1), axis=-1)[..., :n_k]
        last = n_k % c
        if last:   # the last, shorter chunk also used the first columns
            mask = np.concatenate([mask[..., : n_k - last], mask[..., :last]], axis=-1)
    return online(Q, K, V, chunk_size, mask)


def k_dot_T(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    out = 0.0
    for a in range(0, n_k, chunk_size):
        Q @ K[..., a:a + chunk_size, :].T
    return online(Q, K, V, chunk_size, mask) + out


def returns_pair(Q, K, V, chunk_size, mask=None):
    return chunked(Q, K, V, chunk_size, mask), None


def uses_torch_sdpa(Q, K, V, chunk_size, mask=None):
    import torch
    from torch.nn.functional import scaled_dot_product_attention
    t = [torch.as_tensor(a) for a in (Q, K, V)]
    m = None if mask is None else torch.as_tensor(np.broadcast_to(mask, Q.shape[:-1] + (K.shape[-2],)))
    out = torch.nan_to_num(scaled_dot_product_attention(*t, attn_mask=m))
    return out.numpy()


def uses_reference_softmax(Q, K, V, chunk_size, mask=None):
    from qkv_course.softmax import masked_softmax
    masked_softmax(np.zeros((1, 2)), np.ones((1, 2), bool))
    return chunked(Q, K, V, chunk_size, mask)


def calls_course_chunked(Q, K, V, chunk_size, mask=None):
    return cost.chunked_attention(Q, K, V, chunk_size, mask)


@pytest.mark.parametrize("fn, message", [
    (lambda *a, **k: online(*a, **k, rescale=False), "were not rescaled when the running maximum changed"),
    (lambda *a, **k: online(*a, **k, guard=False), "came out all 0"),
    (lambda *a, **k: online(*a, **k, guard=False, divide_where=False), "Its NaN rows are queries whose FIRST"),
    (lambda *a, **k: online(*a, **k, fill=-1e9), "same weight on every key, 1/n_k"),
    (lambda *a, **k: online(*a, **k, tail=False), "The last, shorter chunk was left out"),
    (lambda *a, **k: online(*a, **k, divide_where=False), "running sum l stays 0"),
    (lambda *a, **k: online(*a, **k, subtract_max=False), "np.exp overflows"),
    (full_matrix, "held up to"),
    (collect_chunks, "a list of every chunk's scores"),
    (float32_full, "held up to"),
    (per_chunk_average, "averages the outputs of each chunk's own softmax"),
    (last_chunk_only, "Only the last chunk of keys counts"),
    (mask_not_sliced, "Every chunk used the mask's first columns"),
    (returns_pair, "returned a tuple of 2 items"),
    (uses_torch_sdpa, "calls torch.nn.functional.scaled_dot_product_attention"),
    (uses_reference_softmax, "calls qkv_course.softmax.masked_softmax"),
    (calls_course_chunked, "calls qkv_course.cost.chunked_attention"),
    (k_dot_T, "swap only the last two"),
])
def test_chunked_mistakes(fn, message):
    assert message in fails_somewhere(checks.check_chunked_attention, fn)


def test_no_scaling_and_mask_mistakes():
    def no_scale(Q, K, V, chunk_size, mask=None):
        return online(Q * np.sqrt(Q.shape[-1]), K, V, chunk_size, mask)

    def ignores_mask(Q, K, V, chunk_size, mask=None):
        return online(Q, K, V, chunk_size)

    def inverted(Q, K, V, chunk_size, mask=None):
        return online(Q, K, V, chunk_size, None if mask is None else ~np.asarray(mask))

    assert "without the scaling" in fails_somewhere(checks.check_chunked_attention, no_scale)
    assert "mask had no effect" in fails_somewhere(checks.check_chunked_attention, ignores_mask)
    assert "mask is inverted" in fails_somewhere(checks.check_chunked_attention, inverted)


def test_the_memory_limit_is_generous_for_correct_loops():
    """A correct loop that keeps several chunk-sized temporaries (and a boolean copy of the mask)
    stays far below the limit."""
    def wasteful(Q, K, V, chunk_size, mask=None):
        if mask is not None:
            mask = np.broadcast_to(mask, Q.shape[:-1] + (K.shape[-2],)).copy()     # full bool copy
        n_k = K.shape[-2]
        m = np.full(Q.shape[:-1] + (1,), -np.inf)
        l = np.zeros_like(m)
        acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
        for a in range(0, n_k, chunk_size):
            c = slice(a, a + chunk_size)
            s = np.einsum("...qd,...kd->...qk", Q, K[..., c, :]) / np.sqrt(Q.shape[-1])
            s2, s3 = s.copy(), s * 1.0
            if mask is not None:
                s = np.where(mask[..., c], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            safe = np.where(np.isinf(m_new), 0.0, m_new)
            p = np.exp(s - safe)
            keep = [p.copy(), s2, s3]
            r = np.exp(m - safe)
            l, acc, m = r * l + p.sum(-1, keepdims=True), r * acc + p @ V[..., c, :], m_new
            del keep
        return np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)

    checks.check_chunked_attention(wasteful)
    checks.check_chunked_attention(wasteful, hidden=True)


def test_chunked_cases_are_prepared_once_and_never_changed_by_the_function_checked():
    """The grader prepares each case once per process (its warm-up does it before a check asks);
    the function under test gets copies, so one that writes into its inputs changes nothing
    kept, and the next call is checked against the same values."""
    from qkv_grader.assignments import ASSIGNMENTS

    checks._prepare.cache_clear()
    ASSIGNMENTS["ps10_cost"].warm_up()
    assert checks._prepare.cache_info().currsize == 2
    kept = [(p.case.Q.copy(), p.case.K.copy(), p.case.V.copy(), p.expected.copy())
            for p in checks._prepared_cases(False)]

    def vandal(Q, K, V, chunk_size, mask=None):
        Q[...], K[...], V[...] = 7.0, -7.0, 0.5
        if mask is not None:
            mask[...] = False
        return np.zeros(Q.shape[:-1] + (V.shape[-1],))

    with pytest.raises(FeedbackError, match="in place"):
        checks.check_chunked_attention(vandal)
    for p, (Q, K, V, expected) in zip(checks._prepared_cases(False), kept):
        assert all(np.array_equal(a, b) for a, b in ((p.case.Q, Q), (p.case.K, K), (p.case.V, V),
                                                      (p.expected, expected)))
        assert not p.expected.flags.writeable and not p.case.Q.flags.writeable
    checks.check_chunked_attention(chunked)   # a correct answer still passes
    assert checks._prepare.cache_info().hits >= 2
