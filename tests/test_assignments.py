"""Every assignment, end to end through the real nbgrader pipeline.

For each folder in solutions/, in a temporary course directory: the release regenerates to exactly
the committed notebooks/ version; the source validates; autograding the source gives full marks and
the untouched release gives 0; every file of the mistakes catalogue (tests/submissions/<assignment>/,
packed several to a submission, see tests/catalogue.py) is judged on its own functions' test cells:
mistakes lose points with their targeted message, correct alternatives get every point; grading the
same submission twice gives the same result; feedback shows the messages but never the hidden tests;
export works.
"""

from __future__ import annotations

import csv
import dataclasses
import inspect
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from qkv_grader.catalog import function_of, graded_items

from catalogue import Submission, notebooks, pack
from catalogue import variants as catalogue_variants
from nbgrader_course import (
    is_question,
    REPO,
    CellResult,
    assignments,
    cell_results,
    feedback_text,
    make_course,
    run_nbgrader,
    scores,
    student_notebook,
)

ASSIGNMENTS = assignments()


def test_there_is_at_least_one_assignment():
    assert "ps01_search" in ASSIGNMENTS


@dataclass
class Graded:
    course: Path
    assignment: str
    scores: dict[str, tuple[float, float]]  # per student: (score, max_score)
    packed: dict[str, Submission]  # per student made of catalogue variants: its variants
    cells: dict[str, dict[tuple[str, str], CellResult]]  # per student: each graded cell


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory):
    """A course where the assignment was generated, submitted in many ways and autograded.

    Students: ``source`` (the solutions), ``untouched`` (the release as handed out), one per
    packed submission of the catalogue (see tests/catalogue.py), and ``again``, a byte-identical
    copy of the first packed submission that holds mistakes, to show that grading is deterministic.
    """
    assignment = request.cls.assignment
    course = make_course(tmp_path_factory.mktemp(assignment), assignment)
    run_nbgrader(course, "generate_assignment", assignment, "--force")

    packed: dict[str, Submission] = {}

    def submit(student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, folder / name)

    names = notebooks(assignment)
    release = {n: course / "notebooks" / assignment / n for n in names}
    source = {n: REPO / "solutions" / assignment / n for n in names}
    submit("source", {n: nbformat.read(source[n], as_version=4) for n in names})
    submit("untouched", {n: nbformat.read(release[n], as_version=4) for n in names})
    for i, sub in enumerate(pack(catalogue_variants(assignment))):
        student = sub.variants[0].name if sub.alone else f"pack{i:02d}"
        packed[student] = sub
        submit(student, {n: student_notebook(release[n], source[n], sub.answers(n)) for n in names})
    first = _copied(packed)
    shutil.copytree(course / "submitted" / first, course / "submitted" / "again")

    run_nbgrader(course, "autograde", assignment)
    run_nbgrader(course, "generate_feedback", assignment)
    run_nbgrader(course, "export")
    return Graded(course, assignment, scores(course, assignment), packed, cell_results(course, assignment))


def _copied(packed: dict[str, Submission]) -> str:
    """The packed submission that ``again`` copies: the first one with mistakes in it."""
    return next(s for s, sub in packed.items() if not sub.alone and any(v.is_mistake for v in sub.variants))


def test_release_matches_committed_notebooks(graded):
    course, assignment = graded.course, graded.assignment
    generated = course / "notebooks" / assignment
    committed = REPO / "notebooks" / assignment
    gen_files = sorted(p.name for p in generated.iterdir())
    com_files = sorted(p.name for p in committed.iterdir())
    assert gen_files == com_files, (
        f"notebooks/{assignment} is out of date: run `nbgrader generate_assignment {assignment} --force`"
    )
    for name in gen_files:
        if not name.endswith(".ipynb"):
            assert (generated / name).read_bytes() == (committed / name).read_bytes(), name
            continue
        gen, com = (json.loads((d / name).read_text()) for d in (generated, committed))
        assert gen["metadata"] == com["metadata"], f"{name}: notebook metadata differs"
        assert len(gen["cells"]) == len(com["cells"]), (
            f"notebooks/{assignment}/{name} is out of date: run `nbgrader generate_assignment {assignment} --force`"
        )
        for i, (g, c) in enumerate(zip(gen["cells"], com["cells"])):
            assert (g["cell_type"], "".join(g["source"])) == (c["cell_type"], "".join(c["source"])), (
                f"{name} cell {i} differs from a fresh release: run `nbgrader generate_assignment {assignment} --force`"
            )
            assert g["metadata"] == c["metadata"], f"{name} cell {i}: nbgrader metadata differs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_contains_no_solutions_or_hidden_tests(assignment):
    for nb_path in (REPO / "notebooks" / assignment).glob("*.ipynb"):
        text = nb_path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{nb_path} contains {marker!r}"
        released = {line.strip() for c in nbformat.read(nb_path, as_version=4).cells
                    for line in c.source.splitlines()}
        source = nbformat.read(REPO / "solutions" / assignment / nb_path.name, as_version=4)
        secret = [line.strip() for c in source.cells for line in _secret_lines(c.source)]
        secret = [l for l in secret if l and not l.startswith(("#", "from ", "import "))]
        assert secret, "the source notebook has solution code"
        leaked = [l for l in secret if l in released]
        assert not leaked, f"{nb_path.name} contains solution or hidden-test lines: {leaked}"


def _secret_lines(text: str) -> list[str]:
    """Lines between BEGIN/END SOLUTION or BEGIN/END HIDDEN TESTS markers."""
    out, inside = [], False
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            out.append(line)
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_validates(assignment, tmp_path):
    course = make_course(tmp_path, assignment)
    for name in notebooks(assignment):
        proc = run_nbgrader(course, "validate", str(course / "solutions" / assignment / name))
        assert "Success! Your notebook passes all the tests." in proc.stdout + proc.stderr


def test_source_gets_full_marks(graded):
    got = graded.scores
    score, max_score = got["source"]
    assert max_score > 0
    assert score == max_score


def test_untouched_release_gets_zero(graded):
    course, assignment, got = graded.course, graded.assignment, graded.scores
    assert got["untouched"][0] == 0
    assert "is not written yet" in feedback_text(course, "untouched", assignment)


def test_submission_variants(graded):
    """Each catalogue variant, judged on its own functions' test cells of the packed submission
    it was graded in: a mistake loses points there with its targeted message, a correct
    alternative gets every point there; the functions no variant answers get every point."""
    packed, cells = graded.packed, graded.cells
    problems = []
    for student, sub in packed.items():
        results = cells[student]
        owner = {(v.notebook, f): v for v in sub.variants for f in v.functions}
        for v in sub.variants:
            mine = {key: r for key, r in results.items()
                    if (key[0], function_of(key[1])) in {(v.notebook, f) for f in v.functions}}
            assert mine, f"{v.name}: no graded cells for {sorted(v.functions)}"
            got = sum(r.score for r in mine.values())
            most = sum(r.max_score for r in mine.values())
            errors = "\n".join(e for r in mine.values() for e in r.errors)
            where = f"{v.name} (graded as {student})"
            if v.expect == "full" and got != most:
                problems.append(f"{where}: {got}/{most}, expected every point\n{errors[-1500:]}")
            if v.expect == "partial" and not got < most:
                problems.append(f"{where}: {got}/{most}, expected to lose points")
            if v.expect == "zero" and got != 0:
                problems.append(f"{where}: {got}/{most}, expected 0")
            for message in v.feedback:
                if message not in errors:
                    problems.append(f"{where}: its test cells' feedback lacks {message!r}; it says:\n{errors[-1500:]}")
        for key, r in results.items():
            if (key[0], function_of(key[1])) not in owner and r.score != r.max_score:
                problems.append(f"{student}: {key[1]} lost points, but no variant in it answers "
                                f"{function_of(key[1])}:\n{' '.join(r.errors)[-1500:]}")
    assert not problems, "\n\n".join(problems)


def test_every_lost_point_comes_with_a_targeted_message(graded):
    """No bare AssertionError (or any other raw exception) reaches a student from a test cell:
    every graded cell that loses points shows a FeedbackError."""
    cells = graded.cells
    bare = [f"{student}: {key[1]}: {r.errors[0][:300] if r.errors else '(no error output)'}"
            for student, results in cells.items() for key, r in results.items()
            if r.score < r.max_score and not (r.errors and all(e.startswith("FeedbackError:") for e in r.errors))]
    assert not bare, "\n".join(bare)


def test_output_on_stderr_costs_no_points(graded):
    """The correct variants marked ``# stderr:`` write to stderr from inside the graded function
    (a warning, ``print(file=sys.stderr)``, a logging handler): their test cells show the text on
    stdout with a note, and keep every point (test_submission_variants checks the points)."""
    noisy = [(student, v) for student, sub in graded.packed.items() for v in sub.variants if v.stderr]
    assert noisy, f"{graded.assignment}: no correct variant writes to stderr"
    for student, v in noisy:
        mine = [r for key, r in graded.cells[student].items()
                if (key[0], function_of(key[1])) in {(v.notebook, f) for f in v.functions}]
        assert all("stderr" not in r.streams for r in mine), f"{v.name}: a test cell kept stderr output"
        out = "".join(r.streams.get("stdout", "") for r in mine)
        assert "do not cost points" in out or "does not cost points" in out, f"{v.name}: no note on stdout: {out[-500:]}"


#: numpy's note of a floating-point warning that OpenBLAS raises at random, whatever the inputs
#: (numpy issues #24067 and #13173: its kernels can set the invalid flag on scratch values; seen
#: here on ps10's float32 chunked attention, once in two gradings of the same notebook). The
#: student's note of it ("they do not cost points") may come and go; scores and messages may not.
_BLAS_NOISE = re.compile(r"Note: \w+ produced these warnings \(they do not cost points\):\n"
                         r"(    RuntimeWarning: (invalid value|overflow|divide by zero) encountered in matmul\n)+")


def _without_blas_noise(results: dict) -> dict:
    return {cell: dataclasses.replace(r, streams={k: _BLAS_NOISE.sub("", v) for k, v in r.streams.items()})
            for cell, r in results.items()}


def test_grading_twice_gives_identical_results(graded):
    """``again`` is a byte-for-byte copy of the first packed submission: same scores and the same
    messages, cell by cell."""
    packed, cells = graded.packed, graded.cells
    first = _copied(packed)
    assert _without_blas_noise(cells["again"]) == _without_blas_noise(cells[first])
    assert any(r.score < r.max_score for r in cells[first].values()), "the copied submission should hold mistakes"


def test_feedback_and_export(graded):
    course, assignment, got = graded.course, graded.assignment, graded.scores
    for student in got:
        html = course / "feedback" / student / assignment
        assert sorted(p.name for p in html.glob("*.html")) == [n.replace(".ipynb", ".html") for n in notebooks(assignment)]
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == assignment}
    for student, (score, max_score) in got.items():
        assert float(rows[student]["score"]) == pytest.approx(score)
        assert float(rows[student]["max_score"]) == pytest.approx(max_score)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_an_answer_cell_and_visible_and_hidden_tests(assignment):
    """The layout the catalog (and the instructor guide's table of points) relies on."""
    items = [i for i in graded_items(REPO / "solutions") if i.assignment == assignment]
    assert items, f"{assignment} grades nothing"
    for name in notebooks(assignment):
        nb = nbformat.read(REPO / "solutions" / assignment / name, as_version=4)
        answers = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        hidden = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and "### BEGIN HIDDEN TESTS" in c.source}
        for item in (i for i in items if i.notebook == name):
            assert item.function in answers, f"{name}: no answer cell with grade_id {item.function!r}"
            if is_question(assignment, item.function):  # its visible test checks the form: 0 points
                assert item.visible == 0 and item.hidden > 0, f"{name}: question {item.function} has points on its form"
            else:
                assert item.visible > 0 and item.hidden > 0, f"{name}: {item.function} needs visible and hidden points"
            assert f"test_{item.function}_hidden" in hidden, f"{name}: the hidden tests of {item.function} are not hidden"


def test_feedback_shows_messages_but_never_hidden_tests_or_grading_code(graded):
    """generate_feedback (with nbgrader_config.py's HideHiddenTests) keeps scores and the targeted
    messages, and drops the hidden tests' source and the tracebacks that quote grading code."""
    from bs4 import BeautifulSoup

    course, assignment, got = graded.course, graded.assignment, graded.scores
    hidden_lines = set()
    for name in notebooks(assignment):
        source = nbformat.read(REPO / "solutions" / assignment / name, as_version=4)
        hidden_lines |= {" ".join(line.split()) for c in source.cells for line in _secret_lines(c.source)
                         if c.metadata.get("nbgrader", {}).get("grade") and line.strip()
                         and not line.strip().startswith(("#", "from ", "import "))}
    assert hidden_lines, f"{assignment} has no hidden tests"
    for student in got:
        for html in (course / "feedback" / student / assignment).glob("*.html"):
            text = " ".join(BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
            assert "BEGIN HIDDEN TESTS" not in text, f"{student}/{html.name}: hidden-test marker in feedback"
            leaked = [line for line in hidden_lines if line in text]
            assert not leaked, f"{student}/{html.name}: hidden test source in feedback: {leaked}"
            # A student's own answer cell may show its traceback; the tests' tracebacks (which quote
            # the grading code) may not.
            for code in ("qkv_course/checks", "qkv_grader", "__tracebackhide__", "def fail(", "check_call("):
                assert code not in text, f"{student}/{html.name}: grading code in feedback ({code!r})"
        pages = " ".join(" ".join(BeautifulSoup(h.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
                         for h in (course / "feedback" / student / assignment).glob("*.html"))
        score, max_score = got[student]
        if 0 < score < max_score or (score == 0 and student != "untouched"):
            assert "FeedbackError:" in pages, f"{student}: feedback lacks the FeedbackError message"
        for v in graded.packed.get(student, Submission()).variants:
            for message in v.feedback:
                assert " ".join(message.split()) in pages, f"{v.name}: {message!r} is not in the feedback page"


# --------------------------------------------------------------------------- one class per assignment
# The tests above that take ``graded`` run once per assignment, as the methods of one test class
# per assignment (TestPipeline_ps01_search, ...): a class is the unit that pytest-xdist's
# ``--dist loadscope`` (scripts/test.sh) keeps on one worker, so each course is graded once while
# the assignments are spread over the cores.
_PIPELINE = {name: fn for name, fn in list(globals().items())
             if name.startswith("test_") and "graded" in inspect.signature(fn).parameters}
for _name in _PIPELINE:
    del globals()[_name]
for _assignment in ASSIGNMENTS:
    globals()[f"TestPipeline_{_assignment}"] = type(
        f"TestPipeline_{_assignment}", (),
        {"assignment": _assignment, **{n: staticmethod(f) for n, f in _PIPELINE.items()}})
