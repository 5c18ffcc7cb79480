"""The graded questions (qkv_course/checks/questions.py): their form checks, their keys on the
grader's side, and their cells, written from scripts/questions/<assignment>.py."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import nbformat
import numpy as np
import pytest

from nbgrader_course import REPO, assignments
from qkv_course.checks.core import FeedbackError
from qkv_course.checks.questions import Key, Mistake, Part, Question, judge, question_check, same

MIN_QUESTIONS, MAX_QUESTIONS = 3, 5


def _checks(assignment: str):
    return importlib.import_module(f"qkv_course.checks.{assignment.split('_', 1)[1]}")


def _keys(assignment: str) -> dict[str, Key]:
    return importlib.import_module(f"qkv_grader.hidden.{assignment.split('_', 1)[1]}").KEYS


def _spec(assignment: str):
    path = REPO / "scripts" / "questions" / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"questions_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fails(check, answer, hidden=False) -> str:
    with pytest.raises(FeedbackError) as info:
        check(answer, hidden=hidden)
    return str(info.value)


@pytest.mark.parametrize("assignment", assignments())
def test_every_problem_set_asks_three_to_five_questions_with_keys(assignment):
    questions = getattr(_checks(assignment), "QUESTIONS", {})
    assert MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS, f"{assignment} asks {len(questions)} questions"
    assert set(_keys(assignment)) == set(questions), "every question has a key on the grader's side, and only they"


@pytest.mark.parametrize("assignment", assignments())
def test_question_cells_are_written_from_the_spec(assignment):
    """The notebook's question cells are what scripts/question_cells.py writes from the spec (the
    one source of the questions' text and solutions), in one block before the spec's BEFORE."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import question_cells
    finally:
        sys.path.pop(0)
    spec = _spec(assignment)
    want = question_cells.spec_cells(spec)
    (path,) = (REPO / "solutions" / assignment).glob("*.ipynb")
    cells = nbformat.read(path, as_version=4).cells
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    start = ids.index("questions")
    got = cells[start:start + len(want)]
    assert [(c.cell_type, c.source, c.metadata) for c in got] == [(c.cell_type, c.source, c.metadata) for c in want]
    assert ids[start + len(want)] == spec.BEFORE
    assert [q["name"] for q in spec.QUESTIONS] == list(_checks(assignment).QUESTIONS)


@pytest.mark.parametrize("assignment", assignments())
def test_each_key_passes_and_each_mistake_gets_its_own_message(assignment):
    """The key's answer passes; each usual mistake, written into the key's answer, is wrong and
    gets its own message (no earlier mistake or the right answer hides it)."""
    for name, check in _checks(assignment).QUESTIONS.items():
        question, key = check.question, _keys(assignment)[name]
        judge(question, dict(key.answer), key)  # passes
        assert key.mistakes, f"{name} has no usual mistakes"
        for mistake in key.mistakes:
            given = {**key.answer, **mistake.parts}
            assert not all(same(question.part(n), given[n], key.answer[n]) for n in given), \
                f"{name}: the mistake {mistake.parts} is the right answer"
            with pytest.raises(FeedbackError) as info:
                judge(question, given, key)
            assert mistake.message in str(info.value), f"{name}: {mistake.parts} gets another message"


@pytest.mark.parametrize("assignment", assignments())
def test_no_question_can_be_passed_by_trying_its_options(assignment):
    """Every question has a part with a continuum of answers (a number, a list of numbers) or so
    many combinations of discrete parts that guessing is hopeless (at least 50), and the parts'
    solutions in the notebook are the key's."""
    for name, check in _checks(assignment).QUESTIONS.items():
        question = check.question
        continuous = any(p.kind in ("number", "numbers") for p in question.parts)
        combos = 1
        for p in question.parts:
            combos *= {"bool": 2, "choice": len(p.choices)}.get(
                p.kind, (p.high - p.low + 1) if p.kind == "int" and p.high is not None else 10**6)
        assert continuous or combos >= 50, f"{name}: {combos} combinations can be tried"


def test_the_form_check_names_the_part_and_what_it_should_be():
    question = Question("demo", (
        Part("position", "int", "the position", low=0, high=3),
        Part("weight", "number", "a weight"),
        Part("row", "numbers", "a row", length=2),
        Part("shape", "shape", "a shape"),
        Part("finite", "bool", "finite or not"),
        Part("option", "choice", "an option", choices=("a", "b", "c")),
    ))
    check = question_check(question, "softmax")
    good = {"position": 1, "weight": 0.5, "row": [0.5, 0.5], "shape": (2, 3), "finite": True, "option": "B"}
    check(good)
    check({**good, "position": np.int64(1), "weight": np.float32(0.5), "row": np.array([0.5, 0.5]),
           "shape": [2, 3], "finite": np.True_, "option": " b "})
    assert "still None" in _fails(check, {**good, "weight": None})
    assert "should be a dict" in _fails(check, [1, 0.5])
    assert "missing ['row']" in _fails(check, {k: v for k, v in good.items() if k != "row"})
    assert "not asked for ['extra']" in _fails(check, {**good, "extra": 1})
    for part, bad, said in [("position", 4, "one whole number from 0 to 3"), ("position", "1", "whole number"),
                            ("position", [0, 1, 2, 3], "whole number"), ("position", True, "whole number"),
                            ("weight", float("nan"), "finite"), ("weight", "0.5", "number"),
                            ("row", [0.5], "hold 2 numbers"), ("row", [0.5, "x"], "list of 2 numbers"),
                            ("shape", (2.5, 3), "tuple of whole numbers"), ("finite", 1, "True or False"),
                            ("option", "d", '"a", "b", "c"'), ("option", 1, '"a", "b", "c"')]:
        message = _fails(check, {**good, part: bad})
        assert f'demo["{part}"]' in message and said in message, (part, bad, message)


def test_objects_that_are_not_plain_data_are_refused():
    """An answer "equal to everything" (or a dict subclass that answers anything) is not plain
    data: it reaches the check as the name of its type and fails the form."""
    class Anything:
        def __eq__(self, other):
            return True

    class Sneaky(dict):
        def __getitem__(self, key):
            return 0

    question = Question("demo", (Part("weight", "number", "a weight"),))
    check = question_check(question, "softmax")
    assert "it is a Anything" in _fails(check, Anything())
    assert "should be a dict" in _fails(check, Sneaky(weight=0.5))
    assert "should be a (finite) number" in _fails(check, {"weight": Anything()})


def test_judging_names_the_wrong_parts_when_no_usual_mistake_matches():
    question = Question("demo", (Part("position", "int", "p", low=0, high=3), Part("weight", "number", "w")))
    key = Key({"position": 0, "weight": 0.842}, (Mistake({"weight": 0.434}, "that is T = 2."),), hint="Divide by T.")
    judge(question, {"position": 0, "weight": 0.8421}, key)
    with pytest.raises(FeedbackError, match="demo: that is T = 2."):
        judge(question, {"position": 3, "weight": 0.434}, key)
    with pytest.raises(FeedbackError, match=r'"weight" is not right \(\'position\' is right\)\. Divide by T\.'):
        judge(question, {"position": 0, "weight": 0.5}, key)
    with pytest.raises(FeedbackError, match='"position" and "weight" are not right'):
        judge(question, {"position": 1, "weight": 0.5}, key)
    # three decimals pass, two do not
    judge(question, {"position": 0, "weight": 0.842}, key)
    with pytest.raises(FeedbackError):
        judge(question, {"position": 0, "weight": 0.84}, key)


def test_without_the_graders_keys_the_hidden_test_says_so(monkeypatch):
    """A student's install has no qkv_grader.hidden: check(..., hidden=True) is no oracle there."""
    from qkv_course.checks import softmax

    monkeypatch.setitem(sys.modules, "qkv_grader.hidden.softmax", None)  # import fails
    message = _fails(softmax.check_halve_temperature, {"position": 0, "new_weight": 0.842}, hidden=True)
    assert "run when your notebook is graded" in message


def test_torch_numbers_are_numbers():
    import torch

    question = Question("demo", (Part("row", "numbers", "a row", length=2), Part("n", "int", "n"),
                                 Part("w", "number", "w")))
    check = question_check(question, "softmax")
    check({"row": torch.tensor([0.5, 0.5]), "n": torch.tensor(3), "w": torch.tensor(0.25)})
    check({"row": [torch.tensor(0.5), torch.tensor(0.5)], "n": 3, "w": 0.25})
