"""Keep the grader's tools out of the student's reach while a notebook is graded.

nbgrader runs the student's cells and the test cells in one Python process, so a student's cell
can replace what the checks use: ``np.allclose = lambda *a, **k: True``, a reference function in
:mod:`qkv_course`, ``torch.Tensor.__eq__``, or a check itself. Two defences, both set up by the
notebook's imports cell, which is locked and runs before any student code:

* :func:`seal`, called when an assignment's grading module is imported, records the functions of
  numpy, torch (where the notebook uses it), ``builtins``, ``math`` and every loaded
  :mod:`qkv_course` module; :func:`restore` puts back anything that was replaced since (and
  removes what was added to a recorded class, where it would shadow a base-class method).
  Every check runs :func:`restore` before it starts (:func:`guarded`) and after each call of
  student code (:func:`qkv_course.checks.core.call_student`), and says on stdout what it put
  back. Changing a library therefore changes nothing in the grade. (A check the grader replays
  in its own process, on the kernel's answers, skips both: no student code runs there.)
* the grading modules themselves become read-only: assigning or deleting one of their
  attributes raises ``AttributeError``.

This stops the common tricks, not a determined attacker with the grading code in hand (one
process is not a sandbox; see the instructor guide).
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any, Callable, TypeVar

__all__ = ["seal", "restore", "guarded", "recorded", "confirm", "UnconfirmedTest"]

F = TypeVar("F", bound=Callable[..., Any])

_LIBRARY_MODULES = (
    "builtins", "math", "numpy", "numpy.linalg", "numpy.testing", "numpy.lib.stride_tricks",
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.linalg", "torch.special",
    "torch.testing",
)
_LIBRARY_CLASSES = (("torch", "Tensor"), ("torch.nn", "Module"), ("torch.nn", "Linear"),
                    ("torch.nn", "Parameter"), ("torch.nn", "MultiheadAttention"))
_MISSING = object()
# IPython rebinds these in builtins at every cell (the last results; input() forwarded to the
# front end): they are not the grader's tools.
_VOLATILE = frozenset({"_", "__", "___", "input"})

# owner (module or class) -> its namespace as recorded; keyed by id, owners are kept alive here
_recorded: dict[int, tuple[Any, dict[str, Any]]] = {}

# What confirm() needs, captured when the grading code is first imported (before student code):
# the kernel's stdout and IPython's counter of the cell being run.
_stdout = sys.stdout
_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
# per cell (execution count): [outermost checks passed, outermost checks failed]
_tally: dict[int, list[int]] = {}
_depth = [0]


class _ReadOnlyModule(types.ModuleType):
    """Module type of the grading modules once sealed: attributes cannot be assigned or deleted."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self.__name__} is part of the grader: a notebook cannot change "
                             f"{self.__name__}.{name}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__name__} is part of the grader: a notebook cannot delete "
                             f"{self.__name__}.{name}.")


def _record(owner: Any) -> None:
    if id(owner) not in _recorded:
        _recorded[id(owner)] = (owner, {k: v for k, v in vars(owner).items() if k not in _VOLATILE})


def seal() -> None:
    """Record what is loaded now (first record wins) and make the grading modules read-only.

    Called at the end of each assignment's grading module, which the notebook's imports cell
    imports before any student code runs. Safe to call again: later calls add modules loaded
    since, and never overwrite an earlier record."""
    import numpy.testing  # noqa: F401  (recorded too: students reach for its assert_allclose)

    for name in _LIBRARY_MODULES:
        if name in sys.modules:
            _record(sys.modules[name])
    for module_name, cls_name in _LIBRARY_CLASSES:
        cls = getattr(sys.modules.get(module_name), cls_name, None)
        if isinstance(cls, type):
            _record(cls)
    for name, module in list(sys.modules.items()):
        if name == "qkv_course" or name.startswith("qkv_course."):
            _record(module)
            if name.startswith("qkv_course.checks.") and type(module) is types.ModuleType:
                module.__class__ = _ReadOnlyModule


def recorded() -> list[str]:
    """Names of the recorded modules and classes (for tests and the instructor guide)."""
    return sorted(getattr(o, "__name__", repr(o)) if isinstance(o, types.ModuleType)
                  else f"{o.__module__}.{o.__qualname__}" for o, _ in _recorded.values())


def _label(owner: Any, name: str) -> str:
    if isinstance(owner, types.ModuleType):
        return f"{owner.__name__}.{name}"
    return f"{owner.__module__}.{owner.__qualname__}.{name}"


def restore() -> list[str]:
    """Put back every recorded attribute that was replaced or deleted, and remove attributes
    added to recorded classes. Returns what was changed, e.g. ``['numpy.allclose']``."""
    changed = []
    for owner, saved in list(_recorded.values()):
        current = vars(owner)
        is_class = isinstance(owner, type)
        for name, obj in saved.items():
            if current.get(name, _MISSING) is not obj:
                try:
                    if is_class:
                        type.__setattr__(owner, name, obj)
                    else:
                        current[name] = obj
                    changed.append(_label(owner, name))
                except (AttributeError, TypeError):  # a slot or read-only entry: cannot differ
                    pass
        if is_class:
            for name in [n for n in current if n not in saved and n not in _VOLATILE]:
                try:
                    type.__delattr__(owner, name)
                    changed.append(_label(owner, name))
                except (AttributeError, TypeError):
                    pass
    return changed


def report(changed: list[str]) -> None:
    """Tell the student (on stdout) what was put back."""
    if changed:
        names = ", ".join(sorted(set(changed))[:6]) + (", ..." if len(set(changed)) > 6 else "")
        print(f"Note: your notebook changed {names}; the grader put the original back before "
              "checking (changing library or course code does not change your grade).")


def _cell() -> int:
    """IPython's execution count while a cell runs (0 outside IPython)."""
    shell = _ipython() if _ipython else None
    return int(getattr(shell, "execution_count", 0) or 0)


def _replaying() -> bool:
    """Whether the check runs in the grader's process, replayed on the kernel's answers
    (:func:`qkv_course.checks.core.remote_calls`)."""
    from .core import remote_calls  # core imports this module

    return remote_calls() is not None


def guarded(check: F) -> F:
    """Decorator for the checks that test cells call: restore before the check runs and after,
    and count, per cell, the outermost checks that passed and failed (for :func:`confirm`)."""

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if _replaying():  # in the grader's process, where no student code runs: nothing to put back
            return check(*args, **kwargs)
        report(restore())
        outermost = _depth[0] == 0
        tally = _tally.setdefault(_cell(), [0, 0])
        _depth[0] += 1
        try:
            result = check(*args, **kwargs)
        except BaseException:
            if outermost:
                tally[1] += 1
            raise
        else:
            if outermost:
                tally[0] += 1
            return result
        finally:
            _depth[0] -= 1
            report(restore())

    wrapper.__guarded__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class UnconfirmedTest(AssertionError):
    """A test cell whose checks did not all run and pass (see :func:`confirm`)."""


def confirm(nonce: str) -> None:
    """The last line the grader adds to each test cell it runs (qkv_grader.execute).

    Prints ``[qkv-grade ran <nonce>]`` if at least one check ran in this cell and none failed;
    otherwise raises :class:`UnconfirmedTest`. A test cell whose error was swallowed (say, by a
    transformer that wraps every cell in ``try``) or whose checks were skipped fails here, and a
    cell that never reaches this line leaves no marker: the grader scores both 0."""
    __tracebackhide__ = True
    report(restore())
    passed, failed = _tally.pop(_cell(), [0, 0])
    if failed:
        raise UnconfirmedTest("a check in this test cell failed, but its error did not reach the "
                              "grader (was it caught?). This test scores 0.")
    if not passed:
        raise UnconfirmedTest("no check ran in this test cell (was its code changed or skipped "
                              "while the notebook ran?). This test scores 0.")
    _stdout.write(f"[qkv-grade ran {nonce}]\n")
    _stdout.flush()
