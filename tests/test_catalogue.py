"""The mistakes catalogue (tests/submissions/, see tests/catalogue.py), checked in-process.

The nbgrader pipeline test (test_assignments.py) grades every variant for real; this module runs
the same variants through the same checks in this process, which is fast and gives plain
tracebacks when a check itself breaks, and keeps the catalogue itself honest: enough mistakes and
correct alternatives for every graded function, valid headers, and a packing that gives every
cell one author.
"""

from __future__ import annotations

import importlib
import re

import nbformat
import pytest

from catalogue import (SUBMISSIONS, checks_of, grade_in_process, notebooks, pack, solutions_of,
                       variants)
from nbgrader_course import REPO, assignments, is_question
from qkv_grader.catalog import graded_items

ALL = [(a, v) for a in assignments() for v in variants(a)]
MIN_MISTAKES, MIN_CORRECT = 5, 2
#: A question (qkv_course.checks.questions) has fewer ways to be wrong than a function: its usual
#: mistakes, at least three of them, each a file of its own.
MIN_QUESTION_MISTAKES = 3



@pytest.mark.parametrize("assignment,variant", ALL, ids=[f"{a}/{v.name}" for a, v in ALL])
def test_variant_in_process(assignment, variant):
    failures = grade_in_process(REPO / "solutions" / assignment / variant.notebook, variant.answers)
    messages = [m for ms in failures.values() for m in ms]
    if variant.expect == "full":
        assert not messages, f"{variant.name} should get every point, but: {messages}"
        return
    assert messages, f"{variant.name} should lose points"
    if variant.expect == "zero":
        assert all(len(ms) == 2 for ms in failures.values()), f"{variant.name} should lose every point: {failures}"
    for text in variant.feedback:
        assert any(text in m for m in messages), f"{variant.name}: {text!r} not in {messages}"


@pytest.mark.parametrize("assignment", assignments())
def test_every_graded_function_has_enough_mistakes_and_correct_alternatives(assignment):
    """At least five wrong answers aimed at each graded function alone (so the pipeline can check
    that function's own cells and message), three at each question, and two correct
    alternatives that answer each."""
    mine = variants(assignment)
    short = []
    for item in (i for i in graded_items(REPO / "solutions") if i.assignment == assignment):
        mistakes = [v for v in mine if v.is_mistake and v.functions == {item.function}]
        correct = [v for v in mine if not v.is_mistake and item.function in v.functions]
        least = MIN_QUESTION_MISTAKES if is_question(assignment, item.function) else MIN_MISTAKES
        if len(mistakes) < least or len(correct) < MIN_CORRECT:
            short.append(f"{item.function}: {len(mistakes)} mistakes, {len(correct)} correct")
    assert not short, f"{assignment} needs more variants: " + "; ".join(short)


@pytest.mark.parametrize("assignment", assignments())
def test_every_mistake_names_its_message(assignment):
    silent = [v.name for v in variants(assignment) if v.is_mistake and not v.feedback]
    assert not silent, f"mistakes without a '# feedback:' line: {silent}"


@pytest.mark.parametrize("assignment", assignments())
def test_packing_gives_every_cell_one_author(assignment):
    mine = variants(assignment)
    subs = pack(mine)
    assert sorted(v.name for s in subs for v in s.variants) == sorted(v.name for v in mine)
    for s in subs:
        cells = [(v.notebook, f) for v in s.variants for f in v.functions]
        assert len(cells) == len(set(cells))
        # an answer to a question that calls a graded function gets the reference's in its pack
        assert not s.uses() & set(cells), [v.name for v in s.variants]
        assert not s.alone or len(s.variants) == 1
    # the packing is what keeps the pipeline cheap: no more submissions than the busiest function
    # has variants, plus the ones that must be graded alone
    busiest = max(sum(f in v.functions for v in mine if not v.alone) for f in {f for v in mine for f in v.functions})
    assert len(subs) <= busiest + sum(v.alone for v in mine) + sum(len(v.functions) > 1 for v in mine)


@pytest.mark.parametrize("assignment", assignments())
def test_checks_read_from_the_notebook_match_the_graded_functions(assignment):
    for name in notebooks(assignment):
        path = REPO / "solutions" / assignment / name
        checks = checks_of(path)
        assert set(checks) == {i.function for i in graded_items(REPO / "solutions")
                               if i.assignment == assignment and i.notebook == name}
        assert set(checks) <= set(solutions_of(path))


@pytest.mark.parametrize("assignment", assignments())
def test_randomness_in_test_cells_is_seeded(assignment):
    """Grading the same submission twice must give the same result: test cells draw no unseeded
    random numbers (the checks in qkv_course.checks seed their own generators)."""
    unseeded = re.compile(r"default_rng\(\s*\)|np\.random\.(rand|randn|random|randint|normal|uniform|choice|shuffle|permutation)\("
                          r"|torch\.(rand|randn|randint|randperm)\(")
    for name in notebooks(assignment):
        for cell in nbformat.read(REPO / "solutions" / assignment / name, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not unseeded.search(cell.source), f"{name}: {cell.metadata['nbgrader']['grade_id']} draws unseeded random numbers"


def test_catalogue_folders_are_flat():
    """Every variant is graded by the pipeline: none hides in a subfolder."""
    assert not [p for p in SUBMISSIONS.rglob("*.py") if p.parent.parent != SUBMISSIONS]


@pytest.mark.parametrize("assignment", assignments())
def test_every_assignment_has_a_correct_answer_that_writes_to_stderr(assignment):
    """nbgrader fails a test cell with any stderr output; the pipeline shows that ours do not."""
    assert [v.name for v in variants(assignment) if v.stderr and v.expect == "full"]


@pytest.mark.parametrize("assignment", assignments())
def test_the_checks_are_loaded_before_student_code_and_guarded(assignment):
    """The locked imports cell imports the module whose checks the test cells call (so that
    guard.seal records numpy, torch and the course before any student code runs), and every one
    of those checks restores what a student's cell replaced (see qkv_course/checks/guard.py)."""
    import types

    for name in notebooks(assignment):
        path = REPO / "solutions" / assignment / name
        cells = nbformat.read(path, as_version=4).cells
        imports = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "imports"]
        assert len(imports) == 1 and imports[0].metadata["nbgrader"].get("locked"), f"{name}: no locked imports cell"
        assert cells.index(imports[0]) < min(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution"))
        for fn, check in checks_of(path).items():
            module = check.__module__
            assert re.search(rf"^(import|from)\s+{re.escape(module)}\b", imports[0].source, re.M), \
                f"{name}: the imports cell does not import {module}"
            assert getattr(check, "__guarded__", False), f"{module}.{check.__name__} is not @guarded"
            assert type(importlib.import_module(module)) is not types.ModuleType, f"{module} does not call seal()"
