"""The diagnoses of mistakes are written once, by concept (qkv_course/checks/diagnoses/), and
shared: no message is written twice in the checks, every concept module serves more than one
chapter, and chapter modules take the exception the student's code raised as data
(FeedbackError.raised), not by reading the message."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import qkv_course
from qkv_course.checks import FeedbackError, call_student
from qkv_course.checks.core import Raised, reference
from qkv_course.checks.diagnoses import errors
from qkv_grader.assignments import ASSIGNMENTS, kernel_view

CHECKS = Path(qkv_course.__file__).resolve().parent / "checks"
DIAGNOSES = CHECKS / "diagnoses"
#: The chapter modules, by key (qkv_course/checks/<key>.py).
CHAPTERS = sorted({a.key for a in ASSIGNMENTS.values()})
#: Longer literals, and sentences of messages, that appear twice are a message written twice.
LONGEST_SHARED_LITERAL = 55
LONGEST_SHARED_SENTENCE = 60


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _literals() -> dict[str, list[str]]:
    """Every string literal of the checks (f-strings' literal parts included, docstrings left
    out), whitespace normalised -> where it is written ("path:line")."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(CHECKS.rglob("*.py")):
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                where[" ".join(node.value.split())].append(f"{path.relative_to(CHECKS)}:{node.lineno}")
    return where


def _imports(path: Path) -> set[str]:
    """The modules of qkv_course.checks.diagnoses that ``path`` imports (by file stem)."""
    package = path.parent.relative_to(CHECKS.parent.parent).as_posix().replace("/", ".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if module == "qkv_course.checks.diagnoses":
                found |= {a.name for a in node.names}
            elif module.startswith("qkv_course.checks.diagnoses."):
                found.add(module.rsplit(".", 1)[1])
    return found


def _uses() -> dict[str, set[str]]:
    """Concept module -> the chapters that use it, directly or through another diagnoses module."""
    concepts = {p.stem: _imports(p) for p in DIAGNOSES.glob("*.py") if p.stem != "__init__"}
    reach: dict[str, set[str]] = {}
    for chapter in CHAPTERS:
        seen, todo = set(), list(_imports(CHECKS / f"{chapter}.py"))
        while todo:
            module = todo.pop()
            if module in seen or module not in concepts:
                continue
            seen.add(module)
            todo += concepts[module]
        reach[chapter] = seen
    return {c: {ch for ch, used in reach.items() if c in used} for c in concepts}


def test_no_message_is_written_twice():
    twice = {text: where for text, where in _literals().items()
             if len(text) > LONGEST_SHARED_LITERAL and len(where) > 1}
    assert not twice, ("write each message once (in qkv_course/checks/diagnoses/ where two chapters "
                       f"need it) and call it: {twice}")


def test_no_sentence_of_a_message_is_written_twice():
    """Two messages that share a long sentence say the same thing twice: the sentence belongs
    in one place (a constant or a diagnosis both call)."""
    by_sentence: dict[str, set[str]] = defaultdict(set)
    for text, where in _literals().items():
        for sentence in re.split(r"(?<=[.:;!?])\s+", text):
            if len(sentence) > LONGEST_SHARED_SENTENCE:
                by_sentence[sentence] |= {f"{w} {text[:40]!r}" for w in where}
    twice = {s: sorted(w) for s, w in by_sentence.items() if len(w) > 1}
    assert not twice, f"a sentence written in several messages: {twice}"


def test_every_concept_module_serves_more_than_one_chapter():
    uses = _uses()
    assert {"softmax", "masks", "scaling", "shapes", "errors", "precision", "layers", "pair"} <= set(uses)
    alone = {concept: sorted(chapters) for concept, chapters in uses.items() if len(chapters) < 2}
    assert not alone, f"a concept module used by one chapter only belongs in that chapter: {alone}"


def test_every_chapter_that_hints_at_raised_errors_takes_them_from_errors():
    """The hints for an exception the student's code raised are written in diagnoses/errors.py
    only: chapter modules neither read emit's wording ("calling ... raised ...") nor build a
    FeedbackError of their own from another one's message."""
    uses = _uses()
    hinting = {"softmax", "projections", "attention", "masking", "multihead", "cost"}
    assert hinting <= uses["errors"], uses["errors"]
    for chapter in CHAPTERS:
        source = (CHECKS / f"{chapter}.py").read_text()
        for reading in ('" raised "', "startswith(\"calling \")", "raise FeedbackError("):
            assert reading not in source, f"{chapter}.py reads the message: {reading}"


def test_one_reference_helper():
    for chapter in CHAPTERS:
        tree = ast.parse((CHECKS / f"{chapter}.py").read_text())
        own = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_reference"]
        assert not own, f"{chapter}.py builds its own forbidden-call entries: use core.reference"
    assert reference("softmax", "softmax") == {"qkv_course.softmax.softmax": "qkv_course.softmax.softmax"}
    assert reference("nn", "Layer.forward", shown="qkv_course.nn.Layer") == {
        "qkv_course.nn.Layer.forward": "qkv_course.nn.Layer"}


def test_the_raised_exception_comes_as_data():
    def broken(x):
        return np.ones((2, 3)) / np.ones(2)

    with pytest.raises(FeedbackError) as err:
        call_student(broken, "broken", np.zeros(2))
    assert err.value.raised == Raised("ValueError", str(err.value).split("ValueError: ", 1)[1])
    assert "could not be broadcast" in err.value.raised.text

    def stub(x):
        raise NotImplementedError()

    with pytest.raises(FeedbackError) as err:
        call_student(stub, "stub", 1)
    assert err.value.raised is None


def test_hints_apply_only_to_raised_exceptions():
    raised = Raised("ValueError", "The truth value of an array with more than one element is ambiguous.")
    assert "`if mask is not None:`" in errors.mask_truth_value(raised)
    assert errors.mask_truth_value(None) == ""
    assert errors.mask_truth_value(Raised("ValueError", "something else")) == ""
    with pytest.raises(FeedbackError) as err:
        errors.add_hints(FeedbackError("calling f() raised ValueError: no", raised=raised), "Look here.")
    assert str(err.value) == "calling f() raised ValueError: no\nLook here."
    with pytest.raises(FeedbackError) as err:
        errors.add_hints(FeedbackError("f returned a wrong result."), "Look here.")
    assert str(err.value) == "f returned a wrong result."
    with pytest.raises(FeedbackError) as err:
        errors.add_hints(FeedbackError("calling f() raised KeyError: 'a'", raised=raised), "", "Then this.",
                         new_line=False)
    assert str(err.value) == "calling f() raised KeyError: 'a'. Then this."


def test_keepdims_hint_names_the_shapes():
    raised = Raised("ValueError", "operands could not be broadcast together with shapes (3,5) (3,) ")
    hint = errors.keepdims(raised, (3, 5))
    assert "(here shape (3, 5) becomes (3,))" in hint and "keepdims=True" in hint
    assert errors.keepdims(raised, (3, 5), axis=0) == ""          # (5,) is not in the message


@pytest.mark.parametrize("assignment", [name for name, a in ASSIGNMENTS.items() if a.outside])
def test_kernel_view_stubs_the_diagnoses(assignment):
    view = Path(kernel_view(assignment))
    stub = (view / "checks" / "search.py").read_text()
    for path in DIAGNOSES.glob("*.py"):
        assert (view / "checks" / "diagnoses" / path.name).read_text() == stub
