"""Checks for assignment ps07, "Position: what attention cannot see".

Each ``check_*`` function takes the student's function, runs it on a set of cases (the visible
ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.position`, on the instructor's side only) and raises
:class:`~qkv_course.checks.core.FeedbackError` with a targeted message on the first problem.
Expected results come from :mod:`qkv_course.position`, computed before the student's code runs;
the student's code may not call it.

Conventions (chapter 7's): positions count from 0; the sinusoids interleave, column 2i the sine
and 2i+1 the cosine of pair i; RoPE pairs feature t with feature t + d/2 (the *half-split*
layout); pair i turns at angular frequency base^(-2i/d). ``rope_attention`` returns attention's
pair ``(output, weights)``, graded by :mod:`.diagnoses.pair` with this chapter's own mistakes
(positions ignored, only one side rotated, the values rotated too, ...) tried first.
``equivariance_error`` is the student's own test of permutation equivariance: given
``Y = f(X)``, ``Y_perm = f(X[perm])`` and ``perm``, the largest ``|Y_perm - Y[perm]|``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import position
from ..attention import scaled_dot_product_attention
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, FeedbackError,
                   call_student, check_call, check_close, hidden_cases, matches, reference, to_array,
                   trusted_helpers)
from .diagnoses import errors
from .diagnoses.case import RTOL, Attention, Diagnoses, attempt
from .diagnoses.pair import grade_pair, weight_diagnoses
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_sinusoidal_positions", "check_apply_rope", "check_rope_attention",
           "check_equivariance_error", "FORBIDDEN", "RopeCase", "PositionsCase", "PairCase", "GapCase"]


_POSITION = ("sinusoidal_positions", "rope_frequencies", "rope_angles", "apply_rope",
             "apply_rope_interleaved", "interleaved_to_half_split", "rope_attention", "alibi_slopes",
             "alibi_bias", "is_permutation_equivariant")
_ALL_POSITION = reference("position", *_POSITION)
_APPLY_ROPE = ("apply_rope", "rope_frequencies", "rope_angles")

#: What each graded function may not call (internal name -> name shown to the student).
#: rope_attention may use qkv_course.position.apply_rope (and what it calls, rope_frequencies and
#: rope_angles): the grader swaps the notebook's own apply_rope for it while rope_attention is
#: graded, so a mistake there costs its points once.
FORBIDDEN: dict[str, dict[str, str]] = {
    "sinusoidal_positions": dict(_ALL_POSITION),
    "apply_rope": dict(_ALL_POSITION),
    "rope_attention": {**reference("position", *(n for n in _POSITION if n not in _APPLY_ROPE)),
                       **COURSE_ATTENTION, **COURSE_SOFTMAX, **LIBRARY_SOFTMAX, **LIBRARY_ATTENTION},
    "equivariance_error": dict(_ALL_POSITION),
}


# =========================================================================== sinusoidal_positions

@dataclass
class PositionsCase:
    """Arguments of sinusoidal_positions; ``base`` None = left at its default (10000)."""

    n: int
    d: int
    base: float | None = None

    @property
    def used_base(self) -> float:
        return 10000.0 if self.base is None else float(self.base)


def _positions_cases(hidden: bool) -> list[PositionsCase]:
    if hidden:
        return hidden_cases("position").positions_cases()
    return [PositionsCase(4, 6), PositionsCase(6, 8, base=100.0)]


@np.errstate(all="ignore")
def _sinusoid(n: int, d: int, base: float, *, start: int = 0, per_column: bool = False,
              exponent: float = 2.0, multiply: bool = False, swap: bool = False) -> np.ndarray:
    """(n, d) sinusoids with one of the classic mistakes switched on."""
    p = np.arange(start, start + n, dtype=float)[:, None]
    column = np.arange(d)
    i = column if per_column else column // 2
    step = base ** (exponent * i / d) if not per_column else base ** (i / d)
    angles = p * step if multiply else p / step
    first, second = (np.cos, np.sin) if swap else (np.sin, np.cos)
    return np.where(column % 2 == 0, first(angles), second(angles))


def _split_sinusoid(n: int, d: int, base: float) -> np.ndarray | None:
    """Sines in the first half of the columns, cosines in the second (even d only)."""
    if d % 2:
        return None
    angles = np.arange(n)[:, None] * position.rope_frequencies(d, base)[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


def _positions_diagnoses(case: PositionsCase) -> Diagnoses:
    n, d, base = case.n, case.d, case.used_base
    found: Diagnoses = [
        (lambda a, shape=(d, n): a.shape == shape != (n, d),
         f"The result has one row per feature and one column per position, shape ({d}, {n}). "
         "Return one row per position: shape (n, d), row p the encoding of position p."),
        (_sinusoid(n, d, base, swap=True),
         "The sines and the cosines are swapped: column 2i holds sin(p / base^(2i/d)) and column "
         "2i + 1 holds the cosine of the same angle."),
        (_sinusoid(n, d, base, start=1),
         "Row 0 is the encoding of position 1: positions count from 0, so row p uses the angles "
         "p / base^(2i/d) for p = 0, 1, ..., n - 1 (row 0 is sin 0 = 0 and cos 0 = 1)."),
        (_sinusoid(n, d, base, per_column=True),
         "Each column turns at its own frequency, base^(-j/d) for column j. A sine and the cosine "
         "beside it form one pair and share one angle: columns 2i and 2i + 1 both use "
         "p / base^(2i/d), with i = j // 2 the pair's index."),
        (_sinusoid(n, d, base, exponent=1.0),
         "The exponent is i/d, with i the pair's index: it should be 2i/d, so that the last "
         "pair's wavelength is close to 2 pi times the base."),
        (_sinusoid(n, d, base, multiply=True),
         "The positions were multiplied by base^(2i/d) instead of divided by it: the frequencies "
         "must fall from 1 (pair 0) towards 1/base (the last pair), so the later pairs turn slowly."),
        (_split_sinusoid(n, d, base),
         "All the sines come first and all the cosines after them. This course, like Vaswani et "
         "al. (2017), interleaves them: column 2i the sine and column 2i + 1 the cosine of pair i."),
    ]
    if base != 10000.0:
        found.append((_sinusoid(n, d, 10000.0),
                      f"These are the encodings for base 10000, but this call passed base={base:g}: use "
                      "the base argument, not a fixed 10000."))
    return [(wrong, message) for wrong, message in found if wrong is not None]


@guarded
def check_sinusoidal_positions(sinusoidal_positions: Callable, hidden: bool = False) -> None:
    """Check ``sinusoidal_positions(n, d, base=10000.0)`` -> (n, d) float64."""
    __tracebackhide__ = True
    for case in _positions_cases(hidden):
        expected = position.sinusoidal_positions(case.n, case.d, case.used_base)
        kwargs = {} if case.base is None else {"base": case.base}
        label = f"sinusoidal_positions(n={case.n}, d={case.d}{'' if case.base is None else f', base={case.base:g}'})"
        returned = call_student(sinusoidal_positions, "sinusoidal_positions", case.n, case.d,
                                forbidden=FORBIDDEN["sinusoidal_positions"], label=label, **kwargs)
        check_close(to_array(returned, label), expected, label, rtol=RTOL, atol=1e-6,
                    diagnoses=_positions_diagnoses(case),
                    shape_hint="The encodings have one row per position and one column per feature: "
                               "shape (n, d).")


# =========================================================================== apply_rope

@dataclass
class RopeCase:
    """Arguments of apply_rope: X (..., n, d) and positions (n,); ``base`` None = the default."""

    X: np.ndarray
    positions: np.ndarray
    base: float | None = None

    @property
    def used_base(self) -> float:
        return 10000.0 if self.base is None else float(self.base)


def _rope_cases(hidden: bool) -> tuple[list[RopeCase], list[RopeCase]]:
    """(cases to rotate, cases with an odd d that must raise ValueError)."""
    if hidden:
        cases = hidden_cases("position")
        return cases.rope_cases(), cases.odd_rope_cases()
    rng = np.random.default_rng(71)
    X = np.arange(1.0, 13.0).reshape(3, 4)
    return ([RopeCase(X, np.arange(3)),
             RopeCase(rng.normal(size=(2, 5, 6)), np.arange(10, 15), base=500.0),
             RopeCase(np.arange(12).reshape(2, 6), np.array([3, 7]))],        # integer X
            [RopeCase(np.ones((3, 5)), np.arange(3))])


@np.errstate(all="ignore")
def _rope(X: np.ndarray, positions: np.ndarray, frequencies: np.ndarray, *, swap: bool = False
          ) -> np.ndarray:
    """Half-split rotation of X by positions * frequencies (pair by pair); ``swap``: cos and sin
    exchanged."""
    X = np.asarray(X, dtype=float)
    angles = np.asarray(positions, dtype=float)[..., None] * frequencies
    cos, sin = (np.sin(angles), np.cos(angles)) if swap else (np.cos(angles), np.sin(angles))
    half = X.shape[-1] // 2
    x1, x2 = X[..., :half], X[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


def _rope_diagnoses(case: RopeCase, expected: np.ndarray) -> Diagnoses:
    X, p, base = np.asarray(case.X, dtype=float), np.asarray(case.positions), case.used_base
    d, n = X.shape[-1], X.shape[-2]
    i = np.arange(d // 2)
    right = position.rope_frequencies(d, base)
    found: Diagnoses = [
        (position.apply_rope_interleaved(X, p, base),
         "It pairs neighbouring features (2i, 2i + 1), the interleaved layout of the RoFormer "
         "paper. This problem set uses the half-split layout: feature t is paired with feature "
         "t + d/2, so x1 = X[..., :d//2] and x2 = X[..., d//2:]."),
        (position.apply_rope(X, -p, base),
         "Every pair is rotated the wrong way (clockwise): the rotation by angle a maps "
         "(x1, x2) to (x1 cos a - x2 sin a, x1 sin a + x2 cos a)."),
        (_rope(X, p, right, swap=True),
         "cos and sin are swapped: the rotation by angle a maps (x1, x2) to "
         "(x1 cos a - x2 sin a, x1 sin a + x2 cos a), which leaves position 0 unchanged."),
        (_rope(X, p, np.ones(d // 2)),
         "Every pair is rotated by the same angle, the position itself: each pair i has its own "
         "frequency base^(-2i/d), so its angle is position * base^(-2i/d)."),
        (_rope(X, p, base ** (-1.0 * i / d)),
         "The frequencies are base^(-i/d): the exponent should be -2i/d, with i = 0 .. d/2 - 1 the "
         "pair's index."),
        (_rope(X, p, base ** (-2.0 * i / (d // 2))) if d > 2 else None,
         "The frequencies are base^(-2i/(d/2)), dividing by the number of pairs: the exponent "
         "divides by d, the number of features: base^(-2i/d)."),
        (_rope(X, p, base ** (2.0 * i / d)) if d > 2 else None,
         "The angles were multiplied by base^(2i/d): the frequencies are base^(-2i/d) (a minus in "
         "the exponent), from 1 for pair 0 down towards 1/base, so the angle is "
         "position / base^(2i/d)."),
        (lambda a: not matches(X, expected, RTOL, 1e-6) and matches(a, X, RTOL, 1e-6),
         "It returned X unchanged: each pair must be rotated by its angle."),
    ]
    if not np.array_equal(p, np.arange(n)):
        found.append((position.apply_rope(X, np.arange(n), base),
                      "It rotates token k by position k (0, 1, 2, ...) whatever positions says: "
                      "use the positions argument, token k's position is positions[k]."))
    if not np.array_equal(p, np.arange(1, n + 1)):
        found.append((position.apply_rope(X, np.arange(1, n + 1), base),
                      "It rotates as if the positions were 1, 2, ..., n: take them from the positions "
                      "argument (which counts from 0)."))
    if not np.array_equal(p + 1, np.arange(1, n + 1)):
        found.append((position.apply_rope(X, p + 1, base),
                      "Every position is one too large: use positions as given (they count from 0)."))
    if base != 10000.0:
        found.append((position.apply_rope(X, p, 10000.0),
                      f"This is the rotation for base 10000, but the call passed base={base:g}: use "
                      "the base argument."))
    if np.asarray(case.X).dtype.kind in "iub":
        found.append((np.trunc(expected),
                      "The values were cut to whole numbers: X holds integers here, and the result "
                      "was written into an integer array (np.empty_like(X) or np.zeros_like(X) keep "
                      "X's dtype). Make the result float64, e.g. X = np.asarray(X, dtype=float) first."))
    return [(wrong, message) for wrong, message in found if wrong is not None]


def _label(name: str, case: RopeCase) -> str:
    base = "" if case.base is None else f", base={case.base:g}"
    return f"{name}(X of shape {np.shape(case.X)}, positions={np.asarray(case.positions).tolist()}{base})"


def _check_odd(apply_rope: Callable, case: RopeCase) -> None:
    """apply_rope must refuse a feature size that cannot be cut into pairs, with ValueError."""
    __tracebackhide__ = True
    label = _label("apply_rope", case)
    d = np.shape(case.X)[-1]
    kwargs = {} if case.base is None else {"base": case.base}
    why = f"d = {d} features cannot be cut into pairs"
    errors.must_raise_value_error(
        lambda: call_student(apply_rope, "apply_rope", case.X, case.positions,
                             forbidden=FORBIDDEN["apply_rope"], label=label, **kwargs),
        label, why, numpy_error="broadcasting error",
        own_error_fix="The halves X[..., :d//2] and X[..., d//2:] differ in size. Check d % 2 first, "
                      "and raise ValueError with a message that says d must be even.",
        returned_fix="One feature would have no partner. Check for an odd d and raise ValueError.")


@guarded
def check_apply_rope(apply_rope: Callable, hidden: bool = False) -> None:
    """Check ``apply_rope(X, positions, base=10000.0)``: X (..., n, d), d even -> (..., n, d),
    the half-split rotation; ValueError for an odd d."""
    __tracebackhide__ = True
    cases, odd = _rope_cases(hidden)
    for case in cases:
        expected = position.apply_rope(case.X, case.positions, case.used_base)
        kwargs = {} if case.base is None else {"base": case.base}
        scale = float(np.abs(np.asarray(case.X, dtype=float)).max(initial=1.0))
        try:
            check_call(apply_rope, "apply_rope", {"X": case.X, "positions": case.positions}, expected,
                       kwargs=kwargs, forbidden=FORBIDDEN["apply_rope"], rtol=RTOL, atol=1e-6 * scale,
                       diagnoses=_rope_diagnoses(case, expected),
                       shape_hint="The result has the shape of X: every feature of every token is "
                                  "kept, each pair only turned.")
        except FeedbackError as err:
            errors.add_hints(err, errors.leading_axes(err.raised, np.shape(case.X), 2, "(n, d)"))
    for case in odd:
        _check_odd(apply_rope, case)


# =========================================================================== rope_attention

@dataclass
class PairCase:
    """Arguments of rope_attention; ``mask`` None for an unmasked call."""

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    positions_q: np.ndarray
    positions_k: np.ndarray
    mask: np.ndarray | None = None


def _random_pair(batch: tuple[int, ...], n_q: int, n_k: int, d_k: int, d_v: int, seed: int,
                 positions_q: np.ndarray | None = None, positions_k: np.ndarray | None = None,
                 mask: np.ndarray | None = None, scale: float = 1.0) -> PairCase:
    rng = np.random.default_rng(seed)
    return PairCase(scale * rng.normal(size=batch + (n_q, d_k)), scale * rng.normal(size=batch + (n_k, d_k)),
                    rng.normal(size=batch + (n_k, d_v)),
                    np.arange(n_q) if positions_q is None else positions_q,
                    np.arange(n_k) if positions_k is None else positions_k, mask)


def _pair_cases(hidden: bool) -> list[PairCase]:
    if hidden:
        return hidden_cases("position").pair_cases()
    decode = np.arange(6)[None, :] <= np.array([4, 5])[:, None]           # queries at positions 4, 5
    return [_random_pair((), 4, 4, 4, 4, seed=81),
            _random_pair((), 2, 6, 6, 4, seed=82, positions_q=np.array([4, 5]), mask=decode),
            _random_pair((2,), 3, 5, 4, 2, seed=83, positions_q=np.array([7, 8, 9]),
                         positions_k=np.arange(5, 10))]


def _pair_diagnoses(case: PairCase, att: Attention) -> tuple[Diagnoses, Diagnoses]:
    """(weight mistakes, output mistakes) of rope_attention on ``case``, tried before the
    generic ones of :mod:`.diagnoses.pair`."""
    Q, K, V, pq, pk = case.Q, case.K, case.V, case.positions_q, case.positions_k
    rope = position.apply_rope
    Qr, Kr = att.Q, att.K
    sqrt_d = np.sqrt(att.d_k)

    def weights(q: np.ndarray | None, k: np.ndarray | None) -> np.ndarray | None:
        if q is None or k is None:
            return None
        return attempt(lambda: att.softmax(q @ np.swapaxes(k, -1, -2) / sqrt_d))

    equal = len(pq) == len(pk)
    weight: Diagnoses = [
        (weights(Q, K),
         "These are the weights of attention without positions: rotate the queries by "
         "positions_q and the keys by positions_k (apply_rope) before the scores."),
        (weights(Qr, K),
         "Only the queries were rotated: rotate the keys too, by their own positions (positions_k). "
         "The score then depends on the two positions through their difference only."),
        (weights(Q, Kr),
         "Only the keys were rotated: rotate the queries too, by positions_q."),
        (weights(attempt(lambda: rope(Q, pk)), attempt(lambda: rope(K, pq))) if equal else None,
         "The queries were rotated by positions_k and the keys by positions_q: each side is rotated "
         "by its own positions."),
        (weights(Qr, attempt(lambda: rope(K, pq))) if equal else None,
         "The keys were rotated by the queries' positions: rotate K by positions_k."),
        (weights(position.apply_rope_interleaved(Q, pq), position.apply_rope_interleaved(K, pk)),
         "The queries and keys were rotated with the interleaved pairs (2i, 2i + 1): this problem "
         "set pairs feature t with feature t + d/2 (half-split), as apply_rope does."),
        (weights(rope(Q, np.arange(len(pq))), rope(K, np.arange(len(pk)))),
         "The rotations use 0, 1, 2, ... for each sequence instead of positions_q and positions_k: "
         "where the queries sit later in the text (decoding), their positions are not 0 .. n_q - 1."),
    ]
    weight = [(w, m) for w, m in weight if w is not None]
    output: Diagnoses = []
    if att.d_v % 2 == 0:
        output.append((att.weights @ rope(V, pk),
                       "The weights are right, but the values were rotated too: RoPE turns only the "
                       "queries and keys, which meet in the scores; the output averages the values "
                       "as they are, output = weights @ V."))
    return weight, output


@guarded
def check_rope_attention(rope_attention: Callable, hidden: bool = False) -> None:
    """Check ``rope_attention(Q, K, V, positions_q, positions_k, mask=None)`` -> (output, weights)."""
    __tracebackhide__ = True
    for case in _pair_cases(hidden):
        rope = position.apply_rope
        att = Attention(rope(case.Q, case.positions_q), rope(case.K, case.positions_k), case.V, case.mask)
        weight, output = _pair_diagnoses(case, att)
        args = {"Q": case.Q, "K": case.K, "V": case.V, "positions_q": case.positions_q,
                "positions_k": case.positions_k}
        grade_pair(rope_attention, "rope_attention", args, att,
                   forbidden=FORBIDDEN["rope_attention"], weight_diagnoses=weight_diagnoses(att, extra=weight),
                   output_extra=output,
                   weights_hint="The weights have one row per query and one column per key: "
                                "(..., n_q, n_k), as in scaled dot-product attention.",
                   output_hint="The output has one row per query, as long as a value: (..., n_q, d_v).",
                   shapes_hint="Rotate Q (..., n_q, d_k) by positions_q (n_q,) and K (..., n_k, d_k) by "
                               "positions_k (n_k,); then attend as in chapter 4.",
                   context=trusted_helpers(rope_attention, {"apply_rope": position.apply_rope}))


# =========================================================================== equivariance_error

@dataclass
class GapCase:
    """Y = f(X) (n, d_out), Y_perm = f(X[perm]) (n, d_out), perm (n,)."""

    Y: np.ndarray
    Y_perm: np.ndarray
    perm: np.ndarray

    @property
    def expected(self) -> float:
        return float(np.abs(self.Y_perm - self.Y[self.perm]).max())


def _attend(X: np.ndarray, positions: np.ndarray | None) -> np.ndarray:
    """Self-attention of X (n, d) with itself as queries, keys and values, rotated by
    ``positions`` (None: no positions): the function whose equivariance the cases test."""
    if positions is None:
        return scaled_dot_product_attention(X, X, X)[0]
    return position.rope_attention(X, X, X, positions, positions)[0]


def gap_case(X: np.ndarray, perm: np.ndarray, with_positions: bool) -> GapCase:
    """The case of f = self-attention of X with (RoPE) or without positions, tokens shuffled by perm."""
    n = X.shape[0]
    positions = np.arange(n) if with_positions else None
    return GapCase(_attend(X, positions), _attend(X[perm], positions), np.asarray(perm))


def _gap_cases(hidden: bool) -> list[GapCase]:
    if hidden:
        return hidden_cases("position").gap_cases()
    Y = np.arange(12.0).reshape(4, 3)
    perm = np.array([1, 2, 3, 0])
    Y_perm = Y[perm].copy()
    Y_perm[2, 1] -= 0.5                                     # one output off by 0.5
    rng = np.random.default_rng(91)
    X = rng.normal(size=(5, 4))
    return [GapCase(Y, Y_perm, perm),
            gap_case(X, np.array([2, 0, 4, 1, 3]), with_positions=False),
            gap_case(X, np.array([2, 0, 4, 1, 3]), with_positions=True)]


def _gap_diagnoses(case: GapCase) -> Diagnoses:
    Y, Y_perm, perm = case.Y, case.Y_perm, case.perm
    diff = Y_perm - Y[perm]
    return [
        (np.abs(Y_perm - Y).max(),
         "It compares f(X[perm]) with f(X) as it is, which tests invariance (the outputs do not "
         "change at all). Equivariance asks that the outputs be shuffled as the tokens were: "
         "compare Y_perm with Y[perm]."),
        (np.abs(Y_perm[perm] - Y).max(),
         "The permutation is applied the wrong way round (as Y_perm[perm] against Y, or Y against "
         "Y_perm's inverse shuffle): row i of X[perm] is token perm[i], so row i of f(X[perm]) "
         "must equal row perm[i] of f(X), that is Y_perm == Y[perm]."),
        (np.abs(diff).mean(),
         "It averages the differences: report the largest one, so that a single wrong output "
         "shows however many outputs are right."),
        (diff.max(),
         "It takes the largest signed difference, so outputs that came out too small are missed: "
         "take the absolute value first."),
        (np.abs(diff).sum(),
         "It adds up the differences: report the largest absolute one (a maximum does not grow with "
         "the number of outputs)."),
        (float(np.sqrt((diff ** 2).sum())),
         "This is the length (Frobenius norm) of the difference: report its largest entry in "
         "absolute value."),
    ]


@guarded
def check_equivariance_error(equivariance_error: Callable, hidden: bool = False) -> None:
    """Check ``equivariance_error(Y, Y_perm, perm)`` -> float, the largest |Y_perm - Y[perm]|."""
    __tracebackhide__ = True
    for case in _gap_cases(hidden):
        check_call(equivariance_error, "equivariance_error",
                   {"Y": case.Y, "Y_perm": case.Y_perm, "perm": case.perm}, np.float64(case.expected),
                   forbidden=FORBIDDEN["equivariance_error"], rtol=1e-9, atol=1e-12,
                   diagnoses=_gap_diagnoses(case),
                   shape_hint="It returns one number, the largest difference (a float), not an array.")


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'sinusoidal_positions': check_sinusoidal_positions,
    'apply_rope': check_apply_rope,
    'rope_attention': check_rope_attention,
    'equivariance_error': check_equivariance_error,
}


def _equivariance_error(Y: np.ndarray, Y_perm: np.ndarray, perm: np.ndarray) -> float:
    """The reference of equivariance_error (the package's is_permutation_equivariant takes f)."""
    return float(np.abs(np.asarray(Y_perm, dtype=float) - np.asarray(Y, dtype=float)[np.asarray(perm)]).max())


#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'sinusoidal_positions': position.sinusoidal_positions,
    'apply_rope': position.apply_rope,
    'rope_attention': position.rope_attention,
    'equivariance_error': _equivariance_error,
}


# --------------------------------------------------------------------------- questions
# What the student predicts about positions; the keys are the grader's
# (qkv_grader.hidden.position.KEYS), see .questions.

QUESTIONS = question_checks(
    "position",
    Question("shuffled_tokens", (
        Part("y0_row", "int", "the row of the shuffled output that holds token 0's output", low=0, high=3),
        Part("w_row_1", "numbers", "row 1 of the shuffled input's weights", length=4),
        Part("causal_same", "int", "how many tokens keep their output under a causal mask", low=0, high=4))),
    Question("rope_scores", (
        Part("q_rotated", "numbers", "q rotated to position 3, to 3 decimals", length=4),
        Part("score", "number", "the score of q at position 3 with k at position 5, to 3 decimals"),
        Part("score_swapped", "number", "the score of q at position 5 with k at position 3, to 3 decimals"))),
    Question("sinusoid_values", (
        Part("row_5", "numbers", "the encoding of position 5, to 3 decimals", length=4),
        Part("longest_wavelength", "number", "the longest wavelength in tokens, to 1 decimal"),
        Part("shift_matrix", "numbers", "M's entries M00, M01, M10, M11, to 3 decimals", length=4))),
)
check_shuffled_tokens = QUESTIONS["shuffled_tokens"]
check_rope_scores = QUESTIONS["rope_scores"]
check_sinusoid_values = QUESTIONS["sinusoid_values"]
__all__ += ["QUESTIONS", "check_shuffled_tokens", "check_rope_scores", "check_sinusoid_values"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
