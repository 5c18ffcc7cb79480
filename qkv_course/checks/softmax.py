"""Checks for assignment ps02, "Softmax: from scores to weights".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.softmax`, on the instructor's side only) and
raises :class:`~qkv_course.checks.core.FeedbackError` with a targeted message
on the first problem. Expected results come from :mod:`qkv_course.softmax`,
computed before the student's code runs; the student's code may not call the
reference version of the function being graded.

``logsumexp`` and ``masked_softmax`` may use the student's own ``softmax`` (and
``logsumexp``). So that a mistake there costs points once, a case that fails is
graded again with trusted helpers in their place, and passes if it passes then.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .. import softmax as ref
from .core import (COURSE_SOFTMAX, FeedbackError, LIBRARY_SOFTMAX, check_call, hidden_cases, matches, proportional,
                   reference, trusted_helpers)
from ..tripwire import shortcuts
from .diagnoses import errors
from .diagnoses.masks import check_blocked_zero
from .diagnoses.precision import float32 as _float32, in_float32
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_softmax", "check_logsumexp", "check_masked_softmax", "FORBIDDEN"]


#: What each graded function may not call (internal name -> name shown to the student).
#: logsumexp and masked_softmax may use the reference softmax (and masked_softmax the reference
#: logsumexp): those parts are graded in their own exercises.
FORBIDDEN: dict[str, dict[str, str]] = {
    "softmax": {**COURSE_SOFTMAX, **LIBRARY_SOFTMAX},
    "logsumexp": {**reference("softmax", "logsumexp", "log_softmax", "masked_softmax"), **LIBRARY_SOFTMAX},
    "masked_softmax": {**reference("softmax", "masked_softmax"),
                       **shortcuts("torch.softmax", "scipy.special.softmax",
                                   "torch.nn.functional.scaled_dot_product_attention")},
}


# --------------------------------------------------------------------------- trusted helpers
# Stand-ins for the student's own softmax and logsumexp while another function is graded.
# Unlike the reference versions they accept -inf (a student's masked_softmax may pass
# -inf-filled scores to its softmax). Two behaviours for a slice that is all -inf, since a
# correct student softmax may do either: NaN (0/0, the plain formula) or zeros.

def _max_shift(x: Any, axis: int) -> np.ndarray:
    z = np.asarray(x, dtype=np.float64)
    return z - z.max(axis=axis, keepdims=True)


def _options(x: Any, axis: int, options: dict[str, Any]) -> tuple[Any, int]:
    """Accept the arguments a student's helper might have been called with (``dim`` for
    ``axis``, an optional ``temperature``), so that swapping in a trusted helper cannot fail
    on a call that the student's own helper accepts."""
    axis = options.get("dim", axis)
    temperature = options.get("temperature", 1.0)
    return (np.asarray(x, dtype=np.float64) / temperature if temperature != 1.0 else x), axis


def _trusted_softmax(x: Any, axis: int = -1, **options: Any) -> np.ndarray:
    """Stable softmax; an all -inf slice gives NaN."""
    x, axis = _options(x, axis, options)
    with np.errstate(invalid="ignore"):
        e = np.exp(_max_shift(x, axis))
        return e / e.sum(axis=axis, keepdims=True)


def _trusted_softmax_zeros(x: Any, axis: int = -1, **options: Any) -> np.ndarray:
    """Stable softmax; an all -inf slice gives zeros."""
    x, axis = _options(x, axis, options)
    with np.errstate(invalid="ignore"):
        e = np.nan_to_num(np.exp(_max_shift(x, axis)), nan=0.0)
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def _trusted_logsumexp(x: Any, axis: int = -1, **options: Any) -> np.ndarray:
    """Stable log-sum-exp; an all -inf slice gives NaN."""
    x, axis = _options(x, axis, options)
    z = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = z.max(axis=axis, keepdims=True)
        return (m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def _trusted_logsumexp_inf(x: Any, axis: int = -1, **options: Any) -> np.ndarray:
    """Stable log-sum-exp; an all -inf slice gives -inf (log of 0)."""
    out = _trusted_logsumexp(x, axis, **options)
    return np.where(np.isnan(out), -np.inf, out)


_HELPERS_FOR_LOGSUMEXP = ({"softmax": _trusted_softmax},)
_HELPERS_FOR_MASKED = (
    {"softmax": _trusted_softmax, "logsumexp": _trusted_logsumexp},
    {"softmax": _trusted_softmax_zeros, "logsumexp": _trusted_logsumexp_inf},
)


# --------------------------------------------------------------------------- grading one call

@dataclass
class Case:
    """One call of the student's function."""

    args: dict[str, np.ndarray]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def axis(self) -> int:
        return self.kwargs.get("axis", -1)


def _grade_once(fn: Callable, name: str, case: Case, expected: np.ndarray, *,
                zero_where: np.ndarray | None, **options: Any) -> None:
    """Grade one call on fresh copies of the case's arrays (each attempt gets its own, so one
    that modified its input in place cannot change what the next attempt sees)."""
    __tracebackhide__ = True
    args = {k: np.array(v, copy=True) for k, v in case.args.items()}
    try:
        arr = check_call(fn, name, args, expected, kwargs=case.kwargs, **options)
    except FeedbackError as err:
        errors.add_hints(err, _raised_hint(err, case), new_line=False)
    if zero_where is not None:
        shown = [f"{k} of shape {np.shape(v)}" for k, v in args.items()]
        shown += [f"{k}={v!r}" for k, v in case.kwargs.items()]
        check_blocked_zero(arr, zero_where, f"{name}({', '.join(shown)})", what="masked positions",
                           rule="masked positions", one="a masked score")


def _raised_hint(err: FeedbackError, case: Case) -> str:
    """Advice to add when the student's function raised a broadcasting error: a maximum or sum
    without keepdims, else a mask that does not line up with the scores."""
    x = next(iter(case.args.values()))
    mask = case.args.get("mask")
    return (errors.keepdims(err.raised, x.shape, case.axis)
            or errors.mask_broadcast(err.raised, None if mask is None else mask.shape, x.shape))


def _grade(fn: Callable, name: str, case: Case, expected: np.ndarray, *,
           helpers: Sequence[Mapping[str, Callable]] = (), **options: Any) -> None:
    """Grade one case; if it fails and ``fn``'s notebook defines one of the ``helpers``' names,
    grade it again with each set of trusted helpers swapped in, and pass if any attempt passes.
    The failure reported is the first attempt with trusted helpers (it isolates ``fn``'s own
    mistake); what the student's function printed is shown for the reported attempt only."""
    __tracebackhide__ = True
    namespace = getattr(fn, "__globals__", None)
    swaps: list[Mapping[str, Callable]] = [{}]
    if isinstance(namespace, dict):
        swaps += [h for h in helpers if any(callable(namespace.get(k)) for k in h)]
    failures: list[tuple[FeedbackError, str]] = []
    for replacements in swaps:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), trusted_helpers(fn, replacements):
                _grade_once(fn, name, case, expected, **options)
        except FeedbackError as exc:
            failures.append((exc, out.getvalue()))
            continue
        print(out.getvalue(), end="")
        return
    error, printed = failures[1] if len(failures) > 1 else failures[0]
    print(printed, end="")
    raise error


def _moved(arr: np.ndarray, axis: int) -> np.ndarray:
    return np.moveaxis(arr, axis, -1)


def _unnormalised(axis: int, expected: np.ndarray) -> Callable[[np.ndarray], bool]:
    """Predicate: every slice along ``axis`` is a positive multiple of the expected slice."""
    return lambda a: a.shape == expected.shape and proportional(_moved(a, axis), _moved(expected, axis))


def _other_axes(x: np.ndarray, axis: int) -> list[int]:
    own = axis % x.ndim
    return [a for a in range(x.ndim) if a != own]


def _float32_diagnosis(expected32: np.ndarray, expected: np.ndarray) -> tuple[Any, str]:
    """A result computed in float32 (see :func:`.diagnoses.precision.in_float32`)."""
    return in_float32(expected32, expected, why=": float32 cannot even store an input like 10001.2345 exactly")


def _wrong_axis(axis: int, computed: np.ndarray) -> tuple[Any, str]:
    """``computed``: normalised along the last axis where ``axis`` was asked for."""
    return (computed, f"It is normalised along the last axis, but axis={axis} was passed: use the axis "
                      "argument everywhere you take a maximum or a sum.")


def _whole_array(what: str, wrong: Any) -> tuple[Any, str]:
    """``wrong``: ``what`` (e.g. "entries") of the whole array normalised together."""
    return (wrong, f"All the {what} together sum to 1: normalise each slice along the axis on its "
                   "own (sum along that axis, keeping it so the division broadcasts).")


def _nearly_normalised(axis: int, expected: np.ndarray) -> Callable[[np.ndarray], bool]:
    """Predicate: every slice along ``axis`` is the expected slice times a factor just below 1
    (what adding a small epsilon to the denominator gives)."""
    def predicate(a: np.ndarray) -> bool:
        if a.shape != expected.shape or not np.isfinite(a).all() or expected.ndim == 0:
            return False
        got, want = _moved(a, axis), _moved(expected, axis)
        denom = (want * want).sum(axis=-1, keepdims=True)
        c = np.where(denom > 0, (got * want).sum(axis=-1, keepdims=True) / np.where(denom > 0, denom, 1), 1)
        close = abs(got - c * want) <= 1e-9 * (abs(want) + 1e-12)
        return bool(close.all() and (c <= 1).all() and (c > 0.99).all() and (c < 1 - 1e-7).any())
    return predicate


_EPSILON_MESSAGE = (
    "Every slice sums to slightly less than 1, as if a small number (an epsilon) was added to the "
    "denominator. It is not needed: once the slice's maximum is subtracted, that maximum "
    "contributes exp(0) = 1, so the sum is at least 1 and never 0.")


_EXACT_ZERO = "A masked position needs a score whose exponential is exactly 0."


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(1000 + seed)


# --------------------------------------------------------------------------- softmax

def _softmax_cases(hidden: bool) -> list[Case]:
    small = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    # 9999.3 cannot be stored exactly in float32: a softmax computed in float32 fails here.
    big = np.array([[1e4, 9999.3, 9998.0], [-1e4, -9999.3, -9998.0]])
    if not hidden:
        return [Case({"x": np.array([1.0, 2.0, 3.0])}), Case({"x": small}),
                Case({"x": small}, {"axis": 0}), Case({"x": big})]
    return hidden_cases("softmax").softmax_cases()


@guarded
def check_softmax(softmax: Callable, hidden: bool = False) -> None:
    """Check ``softmax(x, axis=-1)``: x (...) -> the same shape, each slice along ``axis``
    positive and summing to 1, finite for inputs as large as +-1e4."""
    __tracebackhide__ = True
    for case in _softmax_cases(hidden):
        x, axis = case.args["x"], case.axis
        expected = ref.softmax(x, axis=axis)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            naive = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
            e_global = np.exp(x - x.max())
            global_max = e_global / e_global.sum(axis=axis, keepdims=True)
            e_last = np.exp(x - x.max(axis=-1, keepdims=True))
            max_last = e_last / e_last.sum(axis=axis, keepdims=True)
            by_sum = x / x.sum(axis=axis, keepdims=True)
        diagnoses: list[tuple[Any, str]] = [
            _float32_diagnosis(ref.softmax(_float32(x), axis=axis), expected),
            (_nearly_normalised(axis, expected), _EPSILON_MESSAGE),
        ]
        if axis % x.ndim != x.ndim - 1:
            diagnoses.append(_wrong_axis(axis, ref.softmax(x, axis=-1)))
        for other in _other_axes(x, axis):
            diagnoses.append(
                (ref.softmax(x, axis=other),
                 f"It is normalised along axis {other}, but axis={axis} was asked for: the slices "
                 f"along axis {axis} should each sum to 1."))
        if x.ndim > 1:
            e = np.exp(x - x.max())
            diagnoses.append(_whole_array("entries", e / e.sum()))
        diagnoses.append(
            (_unnormalised(axis, expected),
             "It has the right proportions but the slices do not sum to 1: after exponentiating, "
             "divide by the sum along the axis."))
        if x.shape[axis] > 1:   # along a length-1 axis both are trivial (0 and 1)
            diagnoses += [
                (ref.log_softmax(x, axis=axis),
                 "It looks like the logarithm of the softmax: return the weights themselves, "
                 "which are positive and sum to 1."),
                (ref.softmax(-x, axis=axis),
                 "Larger inputs got smaller weights: the weights should grow with the input (exp "
                 "of the input, not of its negative)."),
            ]
        if np.isfinite(by_sum).all():
            diagnoses.append(
                (by_sum,
                 "It looks like the inputs were divided by their sum without exponentiating first; "
                 "that fails for negative inputs or a sum of 0, which exp avoids."))
        nonfinite: list[tuple[Any, str]] = []
        if not np.isfinite(naive).all():
            nonfinite.append(
                (naive,
                 f"These inputs are large (up to {np.abs(x).max():.0f} in size): np.exp overflows to "
                 "inf above about 709 and underflows to 0 below about -745, so the literal formula "
                 "gives inf/inf or 0/0 = NaN. Subtract each slice's maximum before exponentiating; "
                 "it cancels between numerator and denominator."))
        if not np.isfinite(global_max).all():
            nonfinite.append(
                (global_max,
                 "One maximum was subtracted for the whole array: slices whose inputs lie far below "
                 "it underflow to all zeros, and 0/0 = NaN. Subtract each slice's own maximum along "
                 "the axis."))
        if axis % x.ndim != x.ndim - 1:
            message = (f"The maximum was taken along the last axis but the sum along axis={axis}: "
                       "subtracting a number cancels out only if it is the same throughout the "
                       "slice being normalised, so take both along the same axis.")
            (nonfinite if not np.isfinite(max_last).all() else diagnoses).append((max_last, message))
        if np.abs(x).max() >= 1e3:
            diagnoses.append(
                (lambda a, shape=x.shape: a.shape == shape and bool(np.isfinite(a).all()),
                 f"These inputs are large (up to {np.abs(x).max():.0f} in size). Subtracting the "
                 "same number from every entry of a slice leaves its softmax unchanged; clipping, "
                 "rescaling or shifting entries by different amounts changes the weights."))
        _grade(softmax, "softmax", case, expected, forbidden=FORBIDDEN["softmax"],
               nonfinite=nonfinite, zero_where=None, diagnoses=diagnoses,
               finite_hint="Inputs as large as +-1e4 must not overflow: subtract each slice's "
                           "maximum along the axis before exponentiating.",
               shape_hint="softmax returns an array of the same shape as x.")


# --------------------------------------------------------------------------- logsumexp

def _logsumexp_cases(hidden: bool) -> list[Case]:
    if not hidden:
        return [
            Case({"x": np.array([1.0, 2.0, 3.0])}),
            Case({"x": np.array([[0.0, 0.0], [1e4, 1e4], [-1e4, -1e4]])}),
            Case({"x": np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])}, {"axis": 0}),
        ]
    return hidden_cases("softmax").logsumexp_cases()


@guarded
def check_logsumexp(logsumexp: Callable, hidden: bool = False) -> None:
    """Check ``logsumexp(x, axis=-1)``: log(sum(exp(x))) along ``axis``, without overflow;
    x (...) -> the shape of x without ``axis``."""
    __tracebackhide__ = True
    for case in _logsumexp_cases(hidden):
        x, axis = case.args["x"], case.axis
        expected = np.asarray(ref.logsumexp(x, axis=axis))
        m = x.max(axis=axis, keepdims=True)
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            naive = np.log(np.exp(x).sum(axis=axis))
            global_max = x.max() + np.log(np.exp(x - x.max()).sum(axis=axis))
            summed = np.exp(x).sum(axis=axis)
        diagnoses: list[tuple[Any, str]] = [
            _float32_diagnosis(np.asarray(ref.logsumexp(_float32(x), axis=axis)), expected),
            (np.expand_dims(expected, axis),
             f"It keeps the summed axis with length 1: the result should drop axis {axis}, one "
             "number per slice."),
            (np.log(np.exp(x - m).sum(axis=axis)),
             "The maximum was subtracted before exponentiating but not added back after the log: "
             "log sum exp(x) = m + log sum exp(x - m)."),
            (x.max(axis=axis),
             "It is the plain maximum of each slice. Log-sum-exp is a smooth maximum: a bit larger "
             "than the maximum, by the log of the sum of exp(x - max)."),
            (expected - np.log(x.shape[axis]),
             "It is the log of the mean of the exponentials: log-sum-exp takes their sum."),
            (np.squeeze(m, axis) + np.log(np.exp(x - m).sum()),
             "The sum of exp(x - m) was taken over the whole array, not along the axis: give "
             "the sum the same axis as the maximum, so that each slice gets its own sum."),
            (np.squeeze(m, axis) + np.log10(np.exp(x - m).sum(axis=axis)),
             "It uses the logarithm to base 10 (np.log10): log-sum-exp undoes exp, so it needs "
             "the natural logarithm, np.log."),
        ]
        if axis % x.ndim != x.ndim - 1:
            diagnoses.append(
                (np.asarray(ref.logsumexp(x, axis=-1)),
                 f"It sums along the last axis, but axis={axis} was passed: use the axis argument "
                 "for the maximum and the sum."))
        for other in _other_axes(x, axis):
            diagnoses.append(
                (np.asarray(ref.logsumexp(x, axis=other)),
                 f"It sums along axis {other}, but axis={axis} was asked for."))
        if np.isfinite(summed).all():
            diagnoses.append(
                (summed, "It is the sum of the exponentials: take its logarithm (stably)."))
        nonfinite: list[tuple[Any, str]] = []
        if not np.isfinite(naive).all():
            nonfinite.append(
                (naive,
                 f"These inputs are large (up to {np.abs(x).max():.0f} in size): exp overflows to "
                 "inf (and log(inf) = inf), or every exp underflows to 0 (and log(0) = -inf). "
                 "Take out each slice's maximum m first: log sum exp(x) = m + log sum exp(x - m)."))
        if not np.isfinite(global_max).all():
            nonfinite.append(
                (global_max,
                 "One maximum was used for the whole array: slices far below it underflow to a "
                 "sum of 0 and log(0) = -inf. Use each slice's own maximum along the axis."))
        _grade(logsumexp, "logsumexp", case, expected, helpers=_HELPERS_FOR_LOGSUMEXP,
               forbidden=FORBIDDEN["logsumexp"], nonfinite=nonfinite, zero_where=None,
               diagnoses=diagnoses, rtol=1e-9, atol=1e-9,
               finite_hint="Inputs as large as +-1e4 must give finite results: take out each "
                           "slice's maximum before exponentiating.",
               shape_hint="There should be one number per slice along the axis: the shape of x "
                          "without that axis, e.g. x of shape (2, 3) gives (2,) for axis=-1 and "
                          "(3,) for axis=0.")


# --------------------------------------------------------------------------- masked_softmax

def _padding(lengths: Sequence[int], n: int) -> np.ndarray:
    return np.arange(n) < np.asarray(lengths)[:, None]


def _masked_softmax_cases(hidden: bool) -> list[Case]:
    T, F = True, False
    big = np.array([[1e4, -1e4, 0.0], [0.3 - 1e4, 1.0 - 1e4, 1e4]])   # 0.3 - 1e4: see _softmax_cases
    big_mask = np.array([[F, T, T], [T, T, F]])
    if not hidden:
        return [
            Case({"scores": np.array([1.0, 2.0, 3.0, 4.0]), "mask": np.array([T, F, T, F])}),
            Case({"scores": np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0]]),
                  "mask": np.array([[T, T, T, T], [T, T, F, F], [F, F, F, F]])}),
            Case({"scores": np.array([[0.5, 1.0, 1.5], [3.0, 2.0, 1.0]]), "mask": np.array([T, F, T])}),
            Case({"scores": big, "mask": big_mask}),
        ]
    return hidden_cases("softmax").masked_softmax_cases()


@guarded
def check_masked_softmax(masked_softmax: Callable, hidden: bool = False) -> None:
    """Check ``masked_softmax(scores, mask, axis=-1)``: softmax along ``axis`` over the positions
    where the boolean ``mask`` (broadcastable to scores, True = may attend) is True; masked
    positions get exactly 0, and a slice with no allowed position is all zeros."""
    __tracebackhide__ = True
    for case in _masked_softmax_cases(hidden):
        s, mask, axis = case.args["scores"], case.args["mask"], case.axis
        expected = ref.masked_softmax(s, mask, axis=axis)
        m = np.broadcast_to(mask, s.shape)
        empty = ~m.any(axis=axis, keepdims=True)           # slices with no allowed position
        empty_full = np.broadcast_to(empty, s.shape)
        plain = ref.softmax(s, axis=axis)
        n = s.shape[axis]
        allowed_max = np.where(m, s, -np.inf).max(axis=axis, keepdims=True)
        masked_max = np.where(m, -np.inf, s).max(axis=axis, keepdims=True)
        # Slices where a masked score lies far above every allowed one: taking the maximum over
        # all positions underflows every allowed exponential, and exponentiating the masked
        # scores before removing them overflows (inf * 0 = NaN).
        dominated = np.broadcast_to(~empty & (masked_max > allowed_max + 700), s.shape)
        # Slices whose allowed scores are large: exp overflows (or all underflow) unless the
        # slice's maximum is subtracted.
        large = np.broadcast_to(~empty & (abs(np.where(m, s, 0.0)) > 700).any(axis=axis, keepdims=True),
                                s.shape)
        dominated_message = (
            "slices in which a masked position has a score far above every allowed one. Masked "
            "scores must play no part in the computation: if the maximum is taken over all "
            "positions, masked ones included, every allowed exponential underflows to 0; if the "
            "masked scores are exponentiated before they are removed, exp of a large score is "
            "inf, and inf * 0 = NaN. Take the maximum over the allowed positions only, and remove "
            "the masked scores before exponentiating.")
        zeroed = np.where(m, s, 0.0)                       # masked scores set to 0 (or scores * mask)
        diagnoses: list[tuple[Any, str]] = [
            _float32_diagnosis(ref.masked_softmax(_float32(s), mask, axis=axis), expected),
            (_nearly_normalised(axis, expected),
             _EPSILON_MESSAGE + " A slice with no allowed position needs its own treatment."),
        ]
        if dominated.any():
            diagnoses.append(
                (lambda a, bad=dominated: a.shape == bad.shape and bool(np.isfinite(a).all())
                 and bool((a[bad] == 0).all()) and matches(a[~bad], expected[~bad]),
                 "All zeros came out for " + dominated_message))
        diagnoses += [
            (ref.masked_softmax(s, ~m, axis=axis),
             "It gives weight to exactly the positions the mask blocks: True in the mask means "
             "'may attend', False means 'blocked'."),
            (plain,
             "It is the plain softmax: the mask was ignored. Positions where the mask is False "
             "must get weight 0."),
            (plain * m,
             "Masked positions are 0, but the remaining weights no longer sum to 1: zeroing "
             "weights after the softmax needs a new normalisation (or mask the scores before "
             "the softmax instead)."),
            (ref.softmax(zeroed, axis=axis),
             "Masked positions still get weight: it looks like their scores were set to 0 (for "
             "example by multiplying the scores by the mask). But 0 is an ordinary score, and "
             "exp(0 - max) takes its share of the sum like any other. " + _EXACT_ZERO),
            (ref.softmax(zeroed, axis=axis) * m,
             "Masked positions are 0, but the allowed weights are too small: it looks like the "
             "masked scores were set to 0 (for example by multiplying the scores by the mask) "
             "before the softmax, so each still took a share exp(0 - max) of the sum, and "
             "zeroing them afterwards does not give it back. " + _EXACT_ZERO),
            (ref.softmax(s + m, axis=axis),
             "It looks like the mask was added to the scores: True counts as 1 and False as 0, "
             "so that shifts some scores by 1 and blocks nothing. Masked positions must get "
             "weight exactly 0."),
        ]
        if (~empty).sum() > 1:
            diagnoses.append(_whole_array("weights of the whole array", (
                lambda a, shape=s.shape: a.shape == shape and bool(np.isfinite(a).all())
                and abs(a.sum() - 1) < 1e-6)))
        if empty.any():
            diagnoses += [
                (np.where(empty_full, wrong, expected),
                 f"Slices in which every position is masked got {what}: such a slice has nothing to "
                 "attend to, so it should be all zeros.")
                for wrong, what in ((1.0 / n, "equal weights 1/n (what a large negative fill value "
                                              "such as -1e9 gives)"),
                                    (plain, "the plain softmax of their scores"))
            ]
        if axis % s.ndim != s.ndim - 1:
            diagnoses.append(_wrong_axis(axis, ref.masked_softmax(s, m, axis=-1)))
        if mask.ndim == 1 and s.ndim == 2 and s.shape[0] == s.shape[1]:
            diagnoses.append(
                (ref.masked_softmax(s, mask[:, None], axis=axis),
                 f"A mask of shape {mask.shape} broadcasts against the scores along their LAST "
                 "axis (numpy lines shapes up from the right), so it blocks keys (columns); yours "
                 "blocks rows instead."))
        nonfinite: list[tuple[Any, str]] = [
            (lambda a, bad=empty_full: bool(bad[~np.isfinite(a)].all()),
             "The NaN are in slices where every position is masked: there, every exponential is "
             "0 (or every score -inf, and -inf - (-inf) = NaN), and 0/0 = NaN. Such a slice has "
             "nothing to attend to: return all zeros for it, never NaN."),
        ]
        if dominated.any():
            nonfinite.append(
                (lambda a, bad=dominated: bool(bad[~np.isfinite(a)].all()),
                 "The NaN are in " + dominated_message))
        if large.any():
            nonfinite.append(
                (lambda a, bad=large: bool(bad[~np.isfinite(a)].all()),
                 "The NaN or infinite values are in slices with large allowed scores (up to "
                 f"{abs(np.where(m, s, 0.0)).max():.0f} in size): exp overflows to inf above "
                 "about 709 (and inf / inf = NaN) and underflows to 0 below about -745 (0/0 = "
                 "NaN). Subtract each slice's maximum over its allowed positions before "
                 "exponentiating."))
        _grade(masked_softmax, "masked_softmax", case, expected, helpers=_HELPERS_FOR_MASKED,
               forbidden=FORBIDDEN["masked_softmax"], nonfinite=nonfinite, zero_where=~m,
               diagnoses=diagnoses,
               finite_hint="Masking must not produce NaN: look for 0/0 (a slice whose exponentials "
                           "are all 0), -inf - (-inf), or inf * 0 (a large masked score "
                           "exponentiated before it was removed).",
               shape_hint="masked_softmax returns an array of the same shape as scores (the mask "
                          "only broadcasts against it).")


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'softmax': check_softmax,
    'logsumexp': check_logsumexp,
    'masked_softmax': check_masked_softmax,
}
#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'softmax': ref.softmax,
    'logsumexp': ref.logsumexp,
    'masked_softmax': ref.masked_softmax,
}


# --------------------------------------------------------------------------- questions
# What the student predicts about the softmax; the keys are the grader's
# (qkv_grader.hidden.softmax.KEYS), see .questions.

QUESTIONS = question_checks(
    "softmax",
    Question("halve_temperature", (
        Part("position", "int", "the position whose weight grows most", low=0, high=3),
        Part("new_weight", "number", "that position's weight at T = 0.5, to 3 decimals"))),
    Question("large_scores", (
        Part("literal_finite", "bool", "whether the literal formula gives finite weights"),
        Part("first_weight", "number", "the stable softmax's first weight, to 3 decimals"))),
    Question("causal_weights", (
        Part("row_2", "numbers", "the 4 weights of token 2's row", length=4),
        Part("zeros", "int", "how many of the 16 weights are exactly 0", low=0, high=16))),
)
check_halve_temperature = QUESTIONS["halve_temperature"]
check_large_scores = QUESTIONS["large_scores"]
check_causal_weights = QUESTIONS["causal_weights"]
__all__ += ["QUESTIONS", "check_halve_temperature", "check_large_scores", "check_causal_weights"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
