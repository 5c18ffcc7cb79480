"""Checks that assignment tests use to grade a student's function.

Every failure raises :class:`FeedbackError` (an ``AssertionError``, so nbgrader
counts it as a failed test) whose message says, in the student's terms, what is
wrong and the likely cause. The helpers never show the reference solution.

Trust: results are converted to plain ``float64`` ndarrays before any
comparison, and comparisons use ndarray arithmetic and methods only (not
``np.allclose`` or ``np.testing``, which student code could have replaced, and
never the student's objects' own ``__eq__`` or ``__array__``).
"""

from __future__ import annotations

import contextlib
import contextvars
import numbers
import sys
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Iterator, Mapping, NoReturn, Sequence

import numpy as np

from ..emit import NUMPY_RULE, describe, run_call
from ..emit import _plain_array as _plain
from ..tripwire import shortcuts
from . import guard

__all__ = [
    "FeedbackError",
    "Raised",
    "reference",
    "COURSE_SOFTMAX",
    "COURSE_ATTENTION",
    "LIBRARY_SOFTMAX",
    "LIBRARY_ATTENTION",
    "NUMPY_RULE",
    "fail",
    "describe",
    "call_student",
    "hidden_cases",
    "call_student_measured",
    "to_array",
    "nothing_returned",
    "check_shape",
    "check_finite",
    "matches",
    "proportional",
    "check_close",
    "check_call",
    "check_module_class",
    "qualified_name",
    "trusted_helpers",
]

_ndarray = np.ndarray
_float64 = np.float64


@dataclass(frozen=True)
class Raised:
    """An exception that the student's code raised: its type's name (``"ValueError"``) and its
    message (``"operands could not be broadcast together ..."``)."""

    kind: str
    text: str


class FeedbackError(AssertionError):
    """A failed check. Its message is written for the student. ``raised``: where the failure is
    an exception the student's code raised, that exception (the checks add hints by it, see
    :mod:`.diagnoses.errors`); None for every other failure."""

    def __init__(self, message: str = "", raised: Raised | None = None) -> None:
        super().__init__(message)
        self.raised = raised


def _raised(error: str) -> Raised | None:
    """The exception reported by an error of :func:`qkv_course.emit.run_call` that says the
    student's code raised one (``"calling <call> raised <Type>: <message>"``, emit's wording, read
    here only), else None."""
    if not error.startswith("calling "):
        return None
    _, found, rest = error.partition(" raised ")
    if not found:
        return None
    kind, _, text = rest.partition(": ")
    return Raised(kind.split(" ")[0], text)


def reference(module: str, *names: str, shown: str | None = None) -> dict[str, str]:
    """Forbidden-call entries (internal name -> name shown to the student) for the course's own
    ``qkv_course.<module>.<name>`` of each of ``names`` (``"Class.method"`` for a method), shown
    as themselves or all as ``shown``."""
    return {f"qkv_course.{module}.{n}": shown or f"qkv_course.{module}.{n}" for n in names}


#: The course's softmax family (chapter 2): what every later exercise computes for itself.
COURSE_SOFTMAX = reference("softmax", "softmax", "masked_softmax", "log_softmax", "logsumexp")
#: The course's attention functions (chapter 4).
COURSE_ATTENTION = reference("attention", "attention_scores", "scaled_dot_product_attention",
                             "self_attention", "cross_attention")
#: Libraries' ready-made softmax and log-sum-exp.
LIBRARY_SOFTMAX = shortcuts("torch.softmax", "scipy.special.softmax", "torch.logsumexp",
                            "scipy.special.logsumexp")
#: Libraries' ready-made attention.
LIBRARY_ATTENTION = shortcuts("torch.nn.functional.scaled_dot_product_attention",
                              "torch.nn.MultiheadAttention")


#: The grader's replay of a check (:class:`qkv_grader.remote.Replay`) while it decides a test
#: outside the kernel; call_student then asks it for the kernel's answer instead of calling.
REPLAY: contextvars.ContextVar[Any] = contextvars.ContextVar("qkv_replay", default=None)


def remote_calls() -> Any:
    """The replay in force, or None where checks call student code directly."""
    return REPLAY.get()


def read_only(value: Any) -> Any:
    """``value``, an array marked read-only (anything else as it is): for what a check keeps
    between its runs (expected values, mistakes' outputs), so that nothing it is shown to can
    change it."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    return value


def fail(message: str) -> NoReturn:
    """Raise :class:`FeedbackError` with ``message``."""
    __tracebackhide__ = True
    raise FeedbackError(message)


def hidden_cases(key: str) -> Any:
    """The hidden-cases module of the chapter whose key is ``key`` (``"search"``, ...), from
    :mod:`qkv_grader.hidden`; where it is not installed (a student's own install), fails
    saying that the hidden tests run when the notebook is graded."""
    __tracebackhide__ = True
    import importlib

    try:
        return importlib.import_module(f"qkv_grader.hidden.{key}")
    except ImportError:
        fail("The hidden tests are not installed here: they run when your notebook is graded, on "
             "inputs the grader keeps to itself. Run the visible tests to check your work.")


def call_student(
    fn: Any,
    name: str,
    *args: Any,
    forbidden: Mapping[str, str] | None = None,
    label: str | None = None,
    rule: str = NUMPY_RULE,
    **kwargs: Any,
) -> Any:
    """Call the student's function ``fn`` and return what it returned.

    ``label`` describes the call in messages (default: the argument shapes).
    ``rule`` completes "This exercise asks you to write that computation yourself ..." when a
    forbidden function was called.

    Fails with a targeted message if ``fn`` is not a function, is still the
    unanswered stub, raises, calls a ``forbidden`` function (internal name ->
    friendly name, see :mod:`qkv_course.tripwire`), disables the
    tripwire, or modifies one of its array arguments in place.

    In the student's kernel (visible tests, in-process tests) the call runs here, through
    :func:`qkv_course.emit.run_call`. While the grader decides a test outside the kernel
    (:mod:`qkv_grader.remote`), ``fn`` stands for the student's function and the outcome
    is the one the kernel reported for these inputs.
    """
    __tracebackhide__ = True
    return _outcome(fn, name, args, kwargs, forbidden, label, rule, measure=False).value


def call_student_measured(
    fn: Any,
    name: str,
    *args: Any,
    forbidden: Mapping[str, str] | None = None,
    label: str | None = None,
    rule: str = NUMPY_RULE,
    **kwargs: Any,
) -> tuple[Any, int]:
    """:func:`call_student`, returning ``(result, peak bytes)``: the most memory the call held
    at once (:func:`qkv_course.emit.peak_memory`, measured in the kernel)."""
    __tracebackhide__ = True
    outcome = _outcome(fn, name, args, kwargs, forbidden, label, rule, measure=True)
    return outcome.value, int(outcome.peak or 0)


def _outcome(fn: Any, name: str, args: tuple, kwargs: dict, forbidden: Mapping[str, str] | None,
             label: str | None, rule: str, measure: bool) -> Any:
    __tracebackhide__ = True
    replay = remote_calls()
    if replay is not None:
        outcome = replay.outcome(fn, name, args, kwargs, forbidden=forbidden, label=label, rule=rule,
                                 measure=measure)
    else:
        # whatever the call replaced in numpy, torch or the course is put back, and reported
        outcome = run_call(fn, name, args, kwargs, forbidden=forbidden, label=label, rule=rule,
                           after=lambda: guard.report(guard.restore()), measure=measure)
    if outcome.error is not None:
        raise FeedbackError(outcome.error, raised=_raised(outcome.error))
    return outcome


def _plain_numbers(x: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(x, (list, tuple)):
        return all(_plain_numbers(v, depth + 1) for v in x)
    return type(x) in (int, float, bool) or isinstance(x, np.number)


def nothing_returned(label: str) -> str:
    """``label`` returned None: the likely cause is a missing return statement."""
    return f"{label} returned None: did you forget the `return` statement?"


def to_array(result: Any, name: str) -> np.ndarray:
    """Convert a student's result into a trusted plain ``float64`` ndarray.

    Accepts numpy arrays and scalars (an ndarray subclass is read as its plain data, a masked
    array's masked entries as 0), torch tensors, and (nested) lists of plain numbers. Anything
    else fails with a message naming what was returned.
    """
    __tracebackhide__ = True
    if result is None:
        fail(nothing_returned(name))
    torch = sys.modules.get("torch")
    if torch is not None and type(result) in (torch.Tensor, torch.nn.Parameter):
        result = result.detach().cpu().numpy()
    if isinstance(result, _ndarray):
        result = _plain(result)
        if result.dtype.kind not in "biuf":
            fail(f"{name} returned an array of dtype {result.dtype}; it should hold real numbers (float).")
        return _ndarray.astype(result, _float64, copy=True).view(_ndarray)
    if isinstance(result, np.number) or _plain_numbers(result):
        if isinstance(result, complex) or (isinstance(result, np.number) and np.iscomplexobj(result)):
            fail(f"{name} returned a complex number; it should return real numbers.")
        try:
            return np.array(result, dtype=_float64)
        except ValueError:
            fail(f"{name} returned a ragged list (rows of different lengths); return a numpy array.")
    if isinstance(result, numbers.Number):
        fail(f"{name} returned a {type(result).__name__}; it should return a numpy array of floats.")
    fail(f"{name} returned a {type(result).__name__}; it should return a numpy array.")


def check_shape(arr: np.ndarray, expected: tuple[int, ...], name: str, hint: str = "") -> None:
    """Fail unless ``arr.shape == expected``; ``hint`` explains what the axes mean."""
    __tracebackhide__ = True
    if arr.shape != tuple(expected):
        msg = f"{name} returned shape {arr.shape}, but the expected shape is {tuple(expected)}."
        fail(f"{msg} {hint}".strip())


def check_finite(arr: np.ndarray, name: str, hint: str = "") -> None:
    """Fail if ``arr`` holds NaN or infinity; ``hint`` suggests the likely cause."""
    __tracebackhide__ = True
    bad = ~np.isfinite(arr)
    if bad.any():
        msg = f"{name} returned {int(bad.sum())} NaN or infinite value(s) out of {arr.size}."
        fail(f"{msg} {hint}".strip())


def matches(arr: np.ndarray, expected: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """True if ``arr`` and ``expected`` have the same shape and agree within tolerance.

    NaN matches NaN and an infinity matches the same infinity, so that a known
    mistake that overflows can itself be recognised.
    """
    expected = _ndarray.astype(np.asarray(expected), _float64)
    if arr.shape != expected.shape:
        return False
    finite = np.isfinite(expected)
    if not (np.isfinite(arr) == finite).all():
        return False
    a, e = arr[~finite], expected[~finite]
    if not ((a == e) | (np.isnan(a) & np.isnan(e))).all():
        return False
    return bool((abs(arr[finite] - expected[finite]) <= atol + rtol * abs(expected[finite])).all())


def proportional(arr: np.ndarray, expected: np.ndarray, rtol: float = 1e-6) -> bool:
    """True if every row (last axis) of ``arr`` is a positive multiple ``c`` of the same row of
    ``expected`` with ``c`` != 1 somewhere: the signature of weights that were never normalised."""
    expected = _ndarray.astype(np.asarray(expected), _float64)
    if arr.shape != expected.shape or not np.isfinite(arr).all() or expected.ndim == 0:
        return False
    denom = (expected * expected).sum(axis=-1, keepdims=True)
    if not (denom > 0).all():
        return False
    c = (arr * expected).sum(axis=-1, keepdims=True) / denom
    close = abs(arr - c * expected) <= rtol * (abs(c * expected) + 1e-12)
    return bool(close.all() and (c > 0).all() and (abs(c - 1) > 1e-3).any())


def check_close(
    arr: np.ndarray,
    expected: np.ndarray,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    diagnoses: Sequence[tuple[np.ndarray | Callable[[np.ndarray], bool], str]] = (),
    shape_hint: str = "",
    finite_hint: str = "",
    show_values: bool = True,
) -> None:
    """Fail unless ``arr`` equals ``expected`` within tolerance.

    diagnoses: ``(wrong, message)`` pairs tried in order when the result differs:
    ``wrong`` is the array a known mistake produces, or a predicate on ``arr``;
    the first that matches gives the feedback. Otherwise a wrong shape is
    reported with ``shape_hint``, NaN or infinity with ``finite_hint``, and
    wrong values by where the largest difference is (and, with
    ``show_values``, the two values there).
    """
    __tracebackhide__ = True
    expected = _ndarray.astype(np.asarray(expected), _float64)
    if matches(arr, expected, rtol, atol):
        return
    if arr.shape == expected.shape and np.isfinite(expected).all():
        check_finite(arr, name, finite_hint)
    for wrong, message in diagnoses:
        hit = wrong(arr) if callable(wrong) else matches(arr, wrong, rtol, atol)
        if hit:
            fail(f"{name} returned a wrong result. {message}")
    check_shape(arr, expected.shape, name, shape_hint)
    check_finite(arr, name, finite_hint)
    err = abs(arr - expected)
    bad = err > atol + rtol * abs(expected)
    worst = tuple(int(i) for i in np.unravel_index(int(err.argmax()), err.shape)) if err.size else ()
    msg = f"{name} returned wrong values in {int(bad.sum())} of {arr.size} entries"
    if show_values:
        got, want, digits = float(arr[worst]), float(expected[worst]), 6
        while f"{got:.{digits}g}" == f"{want:.{digits}g}" and digits < 17:
            digits += 1  # e.g. float32 rounding: show enough digits for the two to differ
        msg += f"; e.g. at index {worst} it returned {got:.{digits}g} where {want:.{digits}g} was expected"
    fail(msg + ".")


@contextlib.contextmanager
def trusted_helpers(fn: Any, replacements: Mapping[str, Callable]) -> Iterator[None]:
    """While the block runs, the functions named in ``replacements`` that ``fn``'s notebook
    defines are replaced there by the trusted ones, e.g. ``{"dot_scores": search.dot_scores}``
    while ``hard_lookup`` is graded: a mistake in an earlier exercise then costs its points once,
    not again in every exercise that builds on it. (FORBIDDEN must allow those references.)"""
    namespace = getattr(fn, "__globals__", None)
    if not isinstance(namespace, dict):
        yield
        return
    saved = {k: namespace[k] for k in replacements if callable(namespace.get(k))}
    namespace.update({k: replacements[k] for k in saved})
    try:
        yield
    finally:
        namespace.update(saved)


def check_call(
    fn: Any,
    name: str,
    args: Mapping[str, Any],
    expected: np.ndarray,
    *,
    kwargs: Mapping[str, Any] | None = None,
    forbidden: Mapping[str, str] | None = None,
    context: ContextManager | None = None,
    rule: str = NUMPY_RULE,
    nonfinite: Sequence[tuple[np.ndarray | Callable[[np.ndarray], bool], str]] = (),
    **compare: Any,
) -> np.ndarray:
    """Grade one call of the student's function ``fn`` against ``expected``.

    args: the positional arguments by name, e.g. ``{"query": q, "keys": k}`` (the names
    appear in messages: ``dot_scores(query of shape (3,), keys of shape (4, 3))``).
    kwargs: keyword arguments, shown with their values. forbidden: see :func:`call_student`.
    context: entered around the call (e.g. to swap in trusted helpers). rule: see
    :func:`call_student`. nonfinite: ``(wrong, message)`` pairs tried when the result holds NaN
    or infinity; the first that matches replaces ``finite_hint``. ``compare`` goes to
    :func:`check_close` (``diagnoses``, ``shape_hint``, ``finite_hint``, ``rtol``, ``atol``).
    Returns the checked result as a trusted float64 array.
    """
    __tracebackhide__ = True
    kwargs = dict(kwargs or {})
    shown = [f"{k} of shape {np.shape(v)}" for k, v in args.items()] + [f"{k}={v!r}" for k, v in kwargs.items()]
    label = f"{name}({', '.join(shown)})"
    with context if context is not None else contextlib.nullcontext():
        returned = call_student(fn, name, *args.values(), forbidden=forbidden, label=label,
                                rule=rule, **kwargs)
    arr = to_array(returned, label)
    if arr.shape == np.shape(expected) and not np.isfinite(arr).all():
        for wrong, message in nonfinite:
            if wrong(arr) if callable(wrong) else matches(arr, wrong):
                compare["finite_hint"] = message
                break
    check_close(arr, expected, label, **compare)
    return arr


def check_module_class(cls: Any, name: str, not_from: Mapping[str, str], *, args: Sequence[Any] = (),
                       label: str | None = None, forbidden: Mapping[str, str] | None = None,
                       rule: str = NUMPY_RULE) -> dict:
    """The student's answer ``cls`` must be a class deriving from ``torch.nn.Module`` and from none
    of the classes in ``not_from`` (qualified name, e.g. ``"qkv_course.nn.QKVProjection"`` -> how
    to name it). What ``cls`` is comes from :func:`qkv_course.probes.class_facts`, run where the
    notebook runs (outside the kernel, ``cls`` is a stand-in for the notebook's global). An answer
    that is callable but no class is called once with ``args``: if that shows it is still the stub,
    or calls the course's own code or a ``forbidden`` function, that is the message. Returns the
    facts. What the kernel reports here can only fail the student: passing needs the checks that
    follow."""
    __tracebackhide__ = True
    from .. import probes

    facts = call_student(probes.class_facts, name, cls, label=f"{name} (the class)")
    if type(facts) is not dict or type(facts.get("mro")) is not list:
        fail(f"The grader could not read what {name} is from your notebook (its answer was not "
             "well formed).")
    if facts.get("is_class") is not True:
        if facts.get("callable") is True:
            label = label or f"{name}({', '.join(map(repr, args))})"
            try:
                call_student(cls, name, *args, forbidden=forbidden, label=label, rule=rule)
            except FeedbackError as err:
                if any(m in str(err) for m in ("is not written yet", "the course's own code",
                                               "This exercise asks you to write")):
                    raise
        fail(f"{name} should be a class (a subclass of torch.nn.Module), but it is a "
             f"{facts.get('type')}.")
    for parent, described in not_from.items():
        if parent in facts["mro"]:
            fail(f"{name} inherits from {described}. This exercise asks you to write the layer "
                 "yourself, as a subclass of torch.nn.Module.")
    if facts.get("module") is not True:
        fail(f"{name} should be a subclass of torch.nn.Module, so that torch registers its "
             "parameters and can train them.")
    return facts


def qualified_name(cls: type) -> str:
    """``module.QualName`` of a class, as :func:`qkv_course.probes.class_facts` reports bases."""
    return f"{cls.__module__}.{cls.__qualname__}"
