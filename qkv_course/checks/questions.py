"""Questions that test understanding, graded like the functions.

A question's answer is a notebook global holding a dict of named *parts* (a position, a weight,
a shape, a yes/no, a chosen option), filled in from a template the notebook gives::

    halve_temperature = {"position": 0, "new_weight": 0.842}

Two tests grade it, as for a function:

* the **visible** test (0 points) checks only the *form*: every part there, of the right kind
  (a whole number in range, a number, a shape, one of the options). It says nothing of whether
  the answer is right, so the visible test is no oracle to try options against;
* the **hidden** test compares every part with the *key*, which lives only with the grader
  (``KEYS`` in :mod:`qkv_grader.hidden.<chapter key>`, absent from a student's install and from
  the grading kernel). The parts are linked (an option and the number it leads to, a count and a
  value), so a guess rarely gets them all, and the points come only when all are right. A wrong
  answer gets the message of the usual mistake it matches (:class:`Mistake`), or else says which
  parts are wrong.

The answer reaches the check as plain data: in the grading kernel the probe
:func:`qkv_course.probes.answer_of` hands it out (dicts, lists, numbers and strings only, see
:func:`qkv_course.emit.encode`), and the grader judges it in its own process. An object that is
not plain data (one "equal to everything") is refused as the wrong form.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .. import probes
from .core import call_student, fail, hidden_cases
from .guard import guarded

__all__ = ["Part", "Question", "Mistake", "Key", "read_answer", "judge", "question_check"]

#: The kinds of part an answer may have.
KINDS = ("int", "number", "numbers", "shape", "bool", "choice")


@dataclass(frozen=True)
class Part:
    """One part of an answer.

    ``kind``: ``"int"`` (a whole number in ``low..high``), ``"number"`` (a real number, right
    within ``rtol`` relative or ``atol`` absolute), ``"numbers"`` (``length`` real numbers, each
    within the same tolerance), ``"shape"`` (a tuple of whole numbers), ``"bool"`` (True or
    False) or ``"choice"`` (one of ``choices``, a letter, case ignored). ``what`` says in the
    student's terms what the part is ("the position whose weight grows most")."""

    name: str
    kind: str
    what: str
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    length: int | None = None
    rtol: float = 1e-3
    atol: float = 5e-4

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"part {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"part {self.name!r}: a choice needs its choices")
        if self.kind == "numbers" and not self.length:
            raise ValueError(f"part {self.name!r}: numbers need their length")


@dataclass(frozen=True)
class Question:
    """A question: the notebook global that holds its answer, and the answer's parts."""

    name: str
    parts: tuple[Part, ...]

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no part {name!r}")

    @property
    def template(self) -> str:
        """The answer's template, as the notebook shows it."""
        return "{" + ", ".join(f'"{p.name}": None' for p in self.parts) + "}"


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer: the values of the parts that identify it (any parts not named may be
    anything) and the message it gets."""

    parts: Mapping[str, Any]
    message: str


@dataclass(frozen=True)
class Key:
    """The right answer of a question (the grader's side only) and its usual mistakes, tried in
    order; ``hint`` completes the message of a wrong answer that matches none of them."""

    answer: Mapping[str, Any]
    mistakes: tuple[Mistake, ...] = ()
    hint: str = ""


# --------------------------------------------------------------------------- the form

def _is_real(x: Any) -> bool:
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(x, (bool, np.bool_))


def _whole(x: Any) -> int | None:
    """``x`` as an int where it is a whole number (3, 3.0, np.int64(3)), else None."""
    x = _untensor(x)
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x[()]
    if not _is_real(x):
        return None
    value = float(x)
    return int(value) if math.isfinite(value) and value == int(value) else None


def _real(x: Any) -> float | None:
    x = _untensor(x)
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x[()]
    if not _is_real(x) or isinstance(x, complex):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _read_part(question: Question, part: Part, value: Any) -> Any:
    """The part's value in its plain form (int, float, tuple of floats, tuple of ints, bool or a
    lower-case letter); fails saying what the part should be."""
    __tracebackhide__ = True
    where = f'{question.name}["{part.name}"] ({part.what})'
    value = _untensor(value)
    if value is None:
        fail(f"{where} is still None: put your answer in its place.")
    if part.kind == "int":
        whole = _whole(value)
        span = f" from {part.low} to {part.high}" if part.low is not None and part.high is not None else ""
        if whole is None:
            fail(f"{where} should be one whole number{span}; it is {_shown(value)}.")
        if (part.low is not None and whole < part.low) or (part.high is not None and whole > part.high):
            fail(f"{where} should be one whole number{span}; it is {whole}.")
        return whole
    if part.kind == "number":
        real = _real(value)
        if real is None:
            fail(f"{where} should be a (finite) number; it is {_shown(value)}.")
        return real
    if part.kind == "numbers":
        items = _sequence(value)
        reals = None if items is None else [_real(v) for v in items]
        if reals is None or any(r is None for r in reals):
            fail(f"{where} should be a list of {part.length} numbers; it is {_shown(value)}.")
        if len(reals) != part.length:
            fail(f"{where} should hold {part.length} numbers; it holds {len(reals)}.")
        return tuple(reals)
    if part.kind == "shape":
        items = _sequence(value)
        sizes = None if items is None else [_whole(v) for v in items]
        if sizes is None or any(s is None or s < 0 for s in sizes):
            fail(f"{where} should be a shape: a tuple of whole numbers such as (2, 3); it is {_shown(value)}.")
        return tuple(sizes)
    if part.kind == "bool":
        if isinstance(value, np.ndarray) and value.shape == () and value.dtype == np.bool_:
            value = bool(value)
        if type(value) not in (bool, np.bool_):
            fail(f"{where} should be True or False; it is {_shown(value)}.")
        return bool(value)
    # a choice
    options = ", ".join(f'"{c}"' for c in part.choices)
    if type(value) is not str or value.strip().lower() not in part.choices:
        fail(f"{where} should be one of {options}; it is {_shown(value)}.")
    return value.strip().lower()


def _untensor(value: Any) -> Any:
    """A torch tensor as a numpy array (numbers answered with torch are numbers too)."""
    torch = sys.modules.get("torch")
    if torch is not None and type(value) in (torch.Tensor, torch.nn.Parameter):
        return value.detach().cpu().double().numpy()
    return value


def _sequence(value: Any) -> list | None:
    if isinstance(value, np.ndarray):
        return list(value.reshape(-1)) if value.ndim == 1 else None
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, numbers.Number, np.number)) else f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def read_answer(answer: Any, question: Question) -> dict[str, Any]:
    """The student's answer to ``question`` (the notebook global, or the grader's stand-in for
    it) as plain values by part; fails with a message on the first part not in the expected form.
    It reaches here through the probe :func:`qkv_course.probes.answer_of`, so that the grader
    reads it as plain data."""
    __tracebackhide__ = True
    value = call_student(probes.answer_of, question.name, answer, label=question.name)
    names = ", ".join(f'"{p.name}"' for p in question.parts)
    if type(value) is not dict:
        fail(f"{question.name} should be a dict with the keys {names}, as in the template "
             f"{question.template}; it is {_shown(value)}.")
    missing = [p.name for p in question.parts if p.name not in value]
    extra = sorted(set(value) - {p.name for p in question.parts})
    if missing or extra:
        fail(f"{question.name} should have exactly the keys {names}, as in the template; "
             + "; ".join(x for x in (f"missing {missing}" if missing else "",
                                      f"not asked for {extra}" if extra else "") if x) + ".")
    return {p.name: _read_part(question, p, value[p.name]) for p in question.parts}


# --------------------------------------------------------------------------- judging

def same(part: Part, given: Any, expected: Any) -> bool:
    """Whether a part's value (as :func:`read_answer` gives it) is ``expected``: exactly for whole
    numbers, shapes, yes/no and options, within the part's tolerance for numbers."""
    if part.kind in ("number", "numbers"):
        a = np.atleast_1d(np.asarray(given, dtype=float))
        e = np.atleast_1d(np.asarray(expected, dtype=float))
        return a.shape == e.shape and bool((abs(a - e) <= part.atol + part.rtol * abs(e)).all())
    if part.kind == "shape":
        return tuple(given) == tuple(int(s) for s in expected)
    if part.kind == "choice":
        return given == str(expected).lower()
    return given == expected


def judge(question: Question, given: Mapping[str, Any], key: Key) -> None:
    """Pass when every part of ``given`` is the key's; otherwise fail with the message of the
    first usual mistake it matches, or else naming the wrong parts (and the key's hint)."""
    __tracebackhide__ = True
    wrong = [p.name for p in question.parts if not same(p, given[p.name], key.answer[p.name])]
    if not wrong:
        return
    right = [p.name for p in question.parts if p.name not in wrong]
    for mistake in key.mistakes:
        if all(same(question.part(n), given[n], v) for n, v in mistake.parts.items()):
            fail(f"{question.name}: {mistake.message}")
    said = " and ".join(f'"{n}"' for n in wrong)
    also = f" ({' and '.join(repr(n) for n in right)} {'is' if len(right) == 1 else 'are'} right)" if right else ""
    fail(f"{question.name}: {said} {'is' if len(wrong) == 1 else 'are'} not right{also}. "
         f"{key.hint}".strip())


def question_check(question: Question, chapter: str) -> Callable[..., None]:
    """The check of ``question`` (a test cell calls it as ``check_<name>(<name>)``): the form,
    and with ``hidden=True`` the answer against the key in
    ``qkv_grader.hidden.<chapter>.KEYS``."""

    def check(answer: Any, hidden: bool = False) -> None:
        __tracebackhide__ = True
        given = read_answer(answer, question)
        if hidden:
            judge(question, given, hidden_cases(chapter).KEYS[question.name])

    check.__name__ = check.__qualname__ = f"check_{question.name}"
    check.__module__ = f"qkv_course.checks.{chapter}"  # the notebook imports it from there
    check.__doc__ = (f"Check the answer {question.name}: its form (every part of the right kind); "
                     "with hidden=True, where the grader's key is installed, whether it is right.")
    wrapped = guarded(check)
    wrapped.question = question  # type: ignore[attr-defined]
    return wrapped


def question_checks(chapter: str, *questions: Question) -> dict[str, Callable[..., None]]:
    """``{name: check}`` for a checks module's ``QUESTIONS``."""
    return {q.name: question_check(q, chapter) for q in questions}


__all__ += ["question_checks", "same", "KINDS"]
