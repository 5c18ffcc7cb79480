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
import io
import numbers
import sys
import warnings
from typing import Any, Callable, ContextManager, Iterator, Mapping, NoReturn, Sequence

import numpy as np

from . import guard
from .tripwire import Tripwire

__all__ = [
    "FeedbackError",
    "NUMPY_RULE",
    "fail",
    "describe",
    "call_student",
    "to_array",
    "check_shape",
    "check_finite",
    "matches",
    "proportional",
    "check_close",
    "check_call",
    "check_module_class",
    "trusted_helpers",
]

_ndarray = np.ndarray
_float64 = np.float64


#: What a graded function must be written with, in the message for a forbidden call.
NUMPY_RULE = "with basic numpy operations, so library and reference versions are not allowed here"


class FeedbackError(AssertionError):
    """A failed check. Its message is written for the student."""


def fail(message: str) -> NoReturn:
    """Raise :class:`FeedbackError` with ``message``."""
    __tracebackhide__ = True
    raise FeedbackError(message)


def describe(x: Any) -> str:
    """Short description of an argument for messages, e.g. ``array of shape (2, 3)``."""
    if isinstance(x, _ndarray):
        return f"array of shape {x.shape}"
    return repr(x)


def _signature(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


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
    friendly name, see :mod:`qkv_course.grading.tripwire`), disables the
    tripwire, or modifies one of its array arguments in place.
    """
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.")
    call = label or _signature(name, args, kwargs)
    before = [(a, a.copy()) for a in list(args) + list(kwargs.values()) if type(a) is _ndarray]
    wire = Tripwire(forbidden or {})
    stub = False
    stderr = io.StringIO()
    try:
        # Warnings and stderr output are collected and reported on stdout afterwards:
        # nbgrader scores a test cell that writes to stderr as failed.
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr), \
                _exit_raises(), wire:
            warnings.simplefilter("always")
            result = fn(*args, **kwargs)
    except NotImplementedError:
        stub = True  # reported below, outside this handler, so no traceback of the stub is chained
    except FeedbackError:
        raise
    except SystemExit:
        fail(f"calling {call} raised SystemExit (exit() or sys.exit()): a graded function must "
             "return its result instead of stopping Python.")
    except Exception as exc:  # the student's error: keep its traceback, which points into their code
        fail(f"calling {call} raised {type(exc).__name__}: {exc}")
    finally:
        guard.report(guard.restore())  # whatever the call replaced in numpy, torch or the course
    if stub:
        fail(f"{name} is not written yet: replace the `raise NotImplementedError()` line with your code.")
    _report_noise(name, caught, stderr.getvalue())
    if wire.tampered:
        fail(f"{name} changed the Python profiler (sys.setprofile) that the grader uses; remove that code.")
    if wire.hits:
        fail(f"{name} calls {', '.join(wire.hits)}. This exercise asks you to write that computation "
             f"yourself {rule}.")
    for original, copy in before:
        if original.shape != copy.shape or not (original == copy).all():
            fail(f"{call} modified its input array in place; work on a copy or build a new array instead.")
    return result


def _raise_system_exit(*args: Any, **kwargs: Any) -> NoReturn:
    raise SystemExit()


@contextlib.contextmanager
def _exit_raises() -> Iterator[None]:
    """While the student's function runs, IPython's ``exit()``/``quit()`` raise ``SystemExit``
    (reported as feedback) instead of asking the kernel to shut down after the cell, which would
    cost every later test its points."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None or not hasattr(shell, "ask_exit"):
        yield
        return
    had = "ask_exit" in vars(shell)
    saved = vars(shell).get("ask_exit")
    shell.ask_exit = _raise_system_exit
    try:
        yield
    finally:
        if had:
            shell.ask_exit = saved
        else:
            vars(shell).pop("ask_exit", None)


def _report_noise(name: str, caught: list, stderr: str) -> None:
    """Tell the student (on stdout) about warnings and stderr output their function produced."""
    notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    if stderr.strip():
        notes.append("stderr: " + stderr.strip().splitlines()[-1])
    if notes:
        print(f"Note: {name} produced these warnings (they do not cost points):")
        for note in notes[:5]:
            print("   ", note)


def _plain(x: np.ndarray) -> np.ndarray:
    """The data of an ndarray subclass as a plain ndarray, without running any of the subclass's
    methods; a numpy masked array's masked entries count as 0."""
    kind = type(x)
    if kind is _ndarray:
        return x
    plain = _ndarray.view(x, _ndarray)
    if issubclass(kind, np.ma.MaskedArray):
        hidden = object.__getattribute__(x, "__dict__").get("_mask")
        if type(hidden) is _ndarray and hidden.dtype == np.bool_ and hidden.shape == plain.shape:
            plain = np.where(hidden, 0, plain)
    return plain


def _plain_numbers(x: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(x, (list, tuple)):
        return all(_plain_numbers(v, depth + 1) for v in x)
    return type(x) in (int, float, bool) or isinstance(x, np.number)


def to_array(result: Any, name: str) -> np.ndarray:
    """Convert a student's result into a trusted plain ``float64`` ndarray.

    Accepts numpy arrays and scalars (an ndarray subclass is read as its plain data, a masked
    array's masked entries as 0), torch tensors, and (nested) lists of plain numbers. Anything
    else fails with a message naming what was returned.
    """
    __tracebackhide__ = True
    if result is None:
        fail(f"{name} returned None: did you forget the `return` statement?")
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


def check_module_class(cls: Any, name: str, not_from: Mapping[type, str]) -> None:
    """The student's answer ``cls`` must be a class deriving from ``torch.nn.Module`` and from none
    of the classes in ``not_from`` (class -> how to name it, e.g. the course's reference layer)."""
    __tracebackhide__ = True
    from torch import nn  # only the assignments with nn.Module exercises import torch

    if not isinstance(cls, type):
        fail(f"{name} should be a class (a subclass of torch.nn.Module), but it is a {type(cls).__name__}.")
    for parent, described in not_from.items():
        if issubclass(cls, parent):
            fail(f"{name} inherits from {described}. This exercise asks you to write the layer "
                 "yourself, as a subclass of torch.nn.Module.")
    if not issubclass(cls, nn.Module):
        fail(f"{name} should be a subclass of torch.nn.Module, so that torch registers its "
             "parameters and can train them.")
