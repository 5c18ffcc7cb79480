"""ps07 grading: the reference answers pass, the hidden cases cover what they should, and the
typical mistakes get their targeted messages (in-process; tests/submissions/ps07_position runs a
selection of these through nbgrader)."""

from __future__ import annotations

import numpy as np
import pytest

from qkv_course import position
from qkv_course.checks import position as checks
from qkv_course.checks.core import FeedbackError
from qkv_grader.hidden import position as hidden


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

def sinusoids(n, d, base=10000.0, *, start=0, swap=False, exponent=2.0, per_column=False,
              multiply=False, split=False, fixed_base=False, transpose=False):
    """A student's sinusoidal_positions, with switches for the classic mistakes."""
    base = 10000.0 if fixed_base else base
    j = np.arange(d)
    if split:
        theta = base ** (-np.arange(0, d, 2) / d)
        a = np.arange(n)[:, None] * theta
        return np.concatenate([np.sin(a), np.cos(a)], axis=1)
    i = j if per_column else j // 2
    step = base ** (i / d) if per_column else base ** (exponent * i / d)
    p = np.arange(start, start + n)[:, None]
    a = p * step if multiply else p / step
    first, second = (np.cos, np.sin) if swap else (np.sin, np.cos)
    P = np.where(j % 2 == 0, first(a), second(a))
    return P.T if transpose else P


def rope(X, positions, base=10000.0, *, layout="half", sign=1.0, frequencies=None, positions_from=None,
         check_odd=True, error=ValueError, keep_dtype=False, batch=True):
    """A student's apply_rope, with switches for the classic mistakes."""
    d = np.shape(X)[-1]
    if d % 2 and check_odd:
        raise error("d must be even")
    X = np.asarray(X) if keep_dtype else np.asarray(X, dtype=float)
    h = d // 2
    theta = base ** (-2.0 * np.arange(h) / d) if frequencies is None else frequencies(base, h, d)
    p = np.asarray(positions, dtype=float) if positions_from is None else positions_from(X.shape[-2])
    a = sign * p[:, None] * theta
    out = np.empty_like(X)
    if layout == "half":
        x1, x2 = (X[..., :h], X[..., h:]) if batch else (X[:, :h], X[:, h:])
        out[..., :h], out[..., h:] = x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)
    else:
        x1, x2 = X[..., 0::2], X[..., 1::2]
        out[..., 0::2], out[..., 1::2] = x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)
    return out


def attend(Q, K, V, positions_q, positions_k, mask=None, *, rotate_q=True, rotate_k=True, rotate_v=False,
           key_positions_from_q=False, scale=True, axis=-1):
    """A student's rope_attention, with switches for the classic mistakes."""
    q = rope(Q, positions_q) if rotate_q else Q
    k = rope(K, positions_q if key_positions_from_q else positions_k) if rotate_k else K
    s = q @ np.swapaxes(k, -1, -2) / (np.sqrt(Q.shape[-1]) if scale else 1.0)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=axis, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    t = e.sum(axis=axis, keepdims=True)
    w = np.divide(e, t, out=np.zeros(e.shape), where=t > 0)
    return w @ (rope(V, positions_k) if rotate_v else V), w


def gap(Y, Y_perm, perm):
    return float(np.abs(Y_perm - Y[perm]).max())


CORRECT = {"sinusoidal_positions": sinusoids, "apply_rope": rope, "rope_attention": attend,
           "equivariance_error": gap}


@pytest.mark.parametrize("name", list(CORRECT))
@pytest.mark.parametrize("hidden_set", [False, True])
def test_a_correct_answer_passes(name, hidden_set):
    checks.CHECKS[name](CORRECT[name], hidden=hidden_set)


def test_checks_and_references_cover_the_same_functions():
    assert set(checks.CHECKS) == set(checks.REFERENCES) == set(CORRECT)
    for case in checks._gap_cases(False) + hidden.gap_cases():
        assert checks.REFERENCES["equivariance_error"](case.Y, case.Y_perm, case.perm) == case.expected


# --------------------------------------------------------------------------- the hidden cases

def test_hidden_cases_cover_what_they_should():
    sizes = [(c.n, c.d, c.used_base) for c in hidden.positions_cases()]
    assert any(d % 2 for _, d, _ in sizes) and any(b != 10000.0 for *_, b in sizes)
    assert any(n == 1 for n, *_ in sizes)
    ropes = hidden.rope_cases()
    assert {c.X.ndim for c in ropes} >= {2, 3, 4}                         # 0, 1 and 2 batch axes
    assert any(c.X.shape[-1] == 2 for c in ropes)                         # a single pair
    assert any(c.X.dtype.kind == "i" for c in ropes)                      # integer X
    assert any(c.base is not None for c in ropes)
    assert any(not np.array_equal(c.positions, np.arange(len(c.positions))) for c in ropes)
    assert any(np.asarray(c.positions).max() >= 1000 for c in ropes)
    assert all(c.X.shape[-1] % 2 for c in hidden.odd_rope_cases())
    pairs = hidden.pair_cases()
    assert any(c.Q.ndim == 4 for c in pairs) and any(c.Q.shape[-2] == 1 for c in pairs)
    assert any(c.Q.shape[-2] != c.K.shape[-2] for c in pairs)
    assert any(len(c.positions_q) == len(c.positions_k) and not np.array_equal(c.positions_q, c.positions_k)
               for c in pairs)                                            # keys by the queries' positions
    assert any(c.mask is not None and not np.broadcast_to(c.mask, c.Q.shape[:-1] + (c.K.shape[-2],)).any(-1).all()
               for c in pairs)                                            # a query with nothing to attend to
    gaps = hidden.gap_cases()
    assert any(c.expected == 0.0 or c.expected < 1e-12 for c in gaps)    # an equivariant f
    assert sum(c.expected > 0.1 for c in gaps) >= 3
    assert any(len(c.perm) == 1 for c in gaps)
    assert all(not np.array_equal(c.perm[c.perm], np.arange(len(c.perm))) for c in gaps if len(c.perm) > 2)


def test_rotary_scores_depend_on_position_differences_only():
    """What rope_attention's checks rely on: shifting every position changes no weight."""
    case = checks._pair_cases(False)[2]
    _, w = position.rope_attention(case.Q, case.K, case.V, case.positions_q, case.positions_k)
    _, moved = position.rope_attention(case.Q, case.K, case.V, case.positions_q + 50, case.positions_k + 50)
    assert np.abs(w - moved).max() < 1e-12


# --------------------------------------------------------------------------- targeted messages

@pytest.mark.parametrize("options, message", [
    ({"swap": True}, "The sines and the cosines are swapped"),
    ({"start": 1}, "Row 0 is the encoding of position 1"),
    ({"per_column": True}, "Each column turns at its own frequency"),
    ({"exponent": 1.0}, "The exponent is i/d"),
    ({"multiply": True}, "multiplied by base^(2i/d) instead of divided"),
    ({"split": True}, "All the sines come first"),
    ({"fixed_base": True}, "not a fixed 10000"),
    ({"transpose": True}, "Return one row per position"),
])
def test_sinusoidal_mistakes(options, message):
    assert message in fails_somewhere(checks.check_sinusoidal_positions,
                                      lambda n, d, base=10000.0: sinusoids(n, d, base, **options))


@pytest.mark.parametrize("options, message", [
    ({"layout": "interleaved"}, "interleaved layout of the RoFormer"),
    ({"sign": -1.0}, "rotated the wrong way"),
    ({"frequencies": lambda base, h, d: np.ones(h)}, "rotated by the same angle"),
    ({"frequencies": lambda base, h, d: base ** (-np.arange(h) / d)}, "The frequencies are base^(-i/d)"),
    ({"frequencies": lambda base, h, d: base ** (-2.0 * np.arange(h) / h)}, "dividing by the number of pairs"),
    ({"frequencies": lambda base, h, d: base ** (2.0 * np.arange(h) / d)}, "a minus in the exponent"),
    ({"frequencies": lambda base, h, d: 10000.0 ** (-2.0 * np.arange(h) / d)}, "use the base argument"),
    ({"positions_from": np.arange}, "whatever positions says"),
    ({"positions_from": lambda n: np.arange(1, n + 1)}, "as if the positions were 1, 2, ..., n"),
    ({"keep_dtype": True}, "cut to whole numbers"),
    ({"batch": False}, "1 leading batch axis"),
    ({"check_odd": False}, "numpy's own broadcasting error"),
    ({"error": AssertionError}, "raised AssertionError"),
    ({"error": TypeError}, "Raise ValueError instead of TypeError"),
])
def test_rope_mistakes(options, message):
    assert message in fails_somewhere(checks.check_apply_rope,
                                      lambda X, positions, base=10000.0: rope(X, positions, base, **options))


def test_rope_that_never_refuses_an_odd_d():
    def padded(X, positions, base=10000.0):
        X = np.asarray(X, dtype=float)
        if X.shape[-1] % 2:
            X = np.concatenate([X, np.zeros(X.shape[:-1] + (1,))], axis=-1)
        return rope(X, positions, base)

    assert "without complaint" in fails(checks.check_apply_rope, padded)


def test_rope_unchanged_and_positions_one_too_large():
    assert "returned X unchanged" in fails(checks.check_apply_rope, lambda X, positions, base=10000.0:
                                           np.asarray(X, dtype=float))
    message = fails(checks.check_apply_rope, lambda X, positions, base=10000.0:
                    rope(X, np.asarray(positions) + 1, base))
    assert "as if the positions were 1, 2" in message or "one too large" in message


@pytest.mark.parametrize("options, message", [
    ({"rotate_q": False, "rotate_k": False}, "attention without positions"),
    ({"rotate_k": False}, "Only the queries were rotated"),
    ({"rotate_q": False}, "Only the keys were rotated"),
    ({"rotate_v": True}, "the values were rotated too"),
    ({"scale": False}, "without the scaling"),
    ({"axis": -2}, "The softmax ran over the queries"),
])
def test_rope_attention_mistakes(options, message):
    assert message in fails_somewhere(
        checks.check_rope_attention,
        lambda Q, K, V, positions_q, positions_k, mask=None: attend(Q, K, V, positions_q, positions_k, mask, **options))


def test_keys_rotated_by_the_queries_positions():
    fn = lambda Q, K, V, pq, pk, mask=None: attend(Q, K, V, pq, pk, mask, key_positions_from_q=True)  # noqa: E731
    # unequal lengths: the student's own code raises, and the hint names both rotations
    assert "Rotate Q (..., n_q, d_k) by positions_q" in fails(checks.check_rope_attention, fn)

    def equal_lengths_only(Q, K, V, pq, pk, mask=None):
        return attend(Q, K, V, pq, pk, mask, key_positions_from_q=len(pq) == len(pk))

    assert "rotated by the queries' positions" in fails(checks.check_rope_attention, equal_lengths_only, hidden=True)


def test_rope_attention_ignoring_the_positions_given():
    def arange(Q, K, V, pq, pk, mask=None):
        return attend(Q, K, V, np.arange(Q.shape[-2]), np.arange(K.shape[-2]), mask)

    assert "instead of positions_q and positions_k" in fails(checks.check_rope_attention, arange)


def test_rope_attention_is_graded_with_the_reference_apply_rope():
    """A mistake in the notebook's apply_rope costs rope_attention nothing: the grader swaps in
    the course's apply_rope while rope_attention is graded (and allows that call)."""
    namespace = {"np": np}
    exec("def apply_rope(X, positions, base=10000.0):\n    return X * 0.0\n"
         "def rope_attention(Q, K, V, pq, pk, mask=None):\n"
         "    q, k = apply_rope(Q, pq), apply_rope(K, pk)\n"
         "    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(Q.shape[-1])\n"
         "    if mask is not None:\n        s = np.where(mask, s, -np.inf)\n"
         "    m = s.max(axis=-1, keepdims=True)\n"
         "    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))\n"
         "    t = e.sum(axis=-1, keepdims=True)\n"
         "    w = np.divide(e, t, out=np.zeros(e.shape), where=t > 0)\n"
         "    return w @ V, w\n", namespace)
    checks.check_rope_attention(namespace["rope_attention"])
    checks.check_rope_attention(namespace["rope_attention"], hidden=True)
    assert namespace["apply_rope"] is not position.apply_rope          # put back afterwards


@pytest.mark.parametrize("function, fn", [
    ("apply_rope", lambda X, positions, base=10000.0: position.apply_rope(X, positions, base)),
    ("sinusoidal_positions", lambda n, d, base=10000.0: position.sinusoidal_positions(n, d, base)),
    ("rope_attention", lambda Q, K, V, pq, pk, mask=None: position.rope_attention(Q, K, V, pq, pk, mask)),
])
def test_the_reference_is_off_limits(function, fn):
    assert "This exercise asks you to write that computation yourself" in fails(checks.CHECKS[function], fn)


@pytest.mark.parametrize("fn, message", [
    (lambda Y, Y_perm, perm: float(np.abs(Y_perm - Y).max()), "tests invariance"),
    (lambda Y, Y_perm, perm: float(np.abs(Y_perm[perm] - Y).max()), "applied the wrong way round"),
    (lambda Y, Y_perm, perm: float(np.abs(Y_perm - Y[perm]).mean()), "It averages the differences"),
    (lambda Y, Y_perm, perm: float((Y_perm - Y[perm]).max()), "largest signed difference"),
    (lambda Y, Y_perm, perm: float(np.abs(Y_perm - Y[perm]).sum()), "It adds up the differences"),
    (lambda Y, Y_perm, perm: float(np.linalg.norm(Y_perm - Y[perm])), "Frobenius norm"),
    (lambda Y, Y_perm, perm: np.abs(Y_perm - Y[perm]).max(axis=1), "one number"),
])
def test_equivariance_mistakes(fn, message):
    assert message in fails_somewhere(checks.check_equivariance_error, fn)


def test_the_equivariance_cases_tell_equivariant_from_not():
    """The visible cases hold one attention without positions (equivariant: error ~ 0) and one
    with RoPE (not equivariant), as the package's own test says."""
    rng = np.random.default_rng(0)
    plain, rotated = checks._gap_cases(False)[1:]
    assert plain.expected < 1e-12 < 0.1 < rotated.expected
    X = rng.normal(size=(5, 4))
    assert position.is_permutation_equivariant(lambda x: checks._attend(x, None), X, rng)
    assert not position.is_permutation_equivariant(lambda x: checks._attend(x, np.arange(5)), X, rng)


def test_arguments_travel_by_position_except_base():
    """The checks pass n, d (and X, positions, ...) by position: a student's own parameter names
    do not matter; base goes by name, as the task's signature has it."""
    checks.check_sinusoidal_positions(lambda num, dim, base=10000.0: sinusoids(num, dim, base))
    checks.check_apply_rope(lambda A, where, base=10000.0: rope(A, where, base))
    checks.check_equivariance_error(lambda a, b, c: gap(a, b, c))
