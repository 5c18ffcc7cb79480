"""Every assignment, end to end through the real nbgrader pipeline.

For each folder in solutions/, in a temporary course directory:
the release regenerates to exactly the committed notebooks/ version; the source validates;
autograding the source gives full marks and the untouched release gives 0; each known mistake
in tests/submissions/<assignment>/ loses points with its targeted message, and each correct
alternative there gets full marks; feedback and export work.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from qkv_course.grading.catalog import graded_items

from nbgrader_course import (
    REPO,
    assignments,
    feedback_text,
    make_course,
    parse_variant,
    run_nbgrader,
    scores,
    student_notebook,
)

ASSIGNMENTS = assignments()
SUBMISSIONS = Path(__file__).parent / "submissions"


def variants(assignment: str) -> list[Path]:
    return sorted((SUBMISSIONS / assignment).glob("*.py"))


def notebook_names(assignment: str) -> list[str]:
    return sorted(p.name for p in (REPO / "solutions" / assignment).glob("*.ipynb"))


def test_there_is_at_least_one_assignment():
    assert "ps01_search" in ASSIGNMENTS


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """A course where the assignment was generated, submitted in many ways and autograded."""
    assignment = request.param
    course = make_course(tmp_path_factory.mktemp(assignment), assignment)
    run_nbgrader(course, "generate_assignment", assignment, "--force")

    expected: dict[str, dict] = {}

    def submit(student: str, notebooks: dict[str, nbformat.NotebookNode], **expect) -> None:
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, folder / name)
        expected[student] = expect

    names = notebook_names(assignment)
    release = {n: course / "notebooks" / assignment / n for n in names}
    source = {n: REPO / "solutions" / assignment / n for n in names}
    submit("source", {n: nbformat.read(source[n], as_version=4) for n in names}, full=True)
    submit("untouched", {n: nbformat.read(release[n], as_version=4) for n in names}, zero=True)
    for path in variants(assignment):
        answers, header = parse_variant(path)
        nb_name = header.get("notebook", [names[0]])[0]
        notebooks = {n: nbformat.read(release[n], as_version=4) for n in names}
        notebooks[nb_name] = student_notebook(release[nb_name], source[nb_name], answers)
        expect = header["expect"][0]
        assert expect in ("full", "partial", "zero"), f"{path.name}: expect must be full, partial or zero"
        submit(path.stem, notebooks, **{expect: True}, feedback=header.get("feedback", []))

    run_nbgrader(course, "autograde", assignment)
    run_nbgrader(course, "generate_feedback", assignment)
    run_nbgrader(course, "export")
    return course, assignment, expected, scores(course, assignment)


def test_release_matches_committed_notebooks(graded):
    course, assignment, _, _ = graded
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
    for name in notebook_names(assignment):
        proc = run_nbgrader(course, "validate", str(course / "solutions" / assignment / name))
        assert "Success! Your notebook passes all the tests." in proc.stdout + proc.stderr


def test_source_gets_full_marks(graded):
    _, _, _, got = graded
    score, max_score = got["source"]
    assert max_score > 0
    assert score == max_score


def test_untouched_release_gets_zero(graded):
    course, assignment, _, got = graded
    assert got["untouched"][0] == 0
    assert "is not written yet" in feedback_text(course, "untouched", assignment)


def test_submission_variants(graded):
    """Mistakes lose points with their targeted message; correct alternatives get full marks."""
    course, assignment, expected, got = graded
    problems = []
    for student, expect in expected.items():
        score, max_score = got[student]
        if expect.get("full") and score != max_score:
            problems.append(f"{student}: {score}/{max_score}, expected full marks\n"
                            f"{feedback_text(course, student, assignment)[-1500:]}")
        if expect.get("partial") and not 0 < score < max_score:
            problems.append(f"{student}: {score}/{max_score}, expected some but not all points")
        if expect.get("zero") and score != 0:
            problems.append(f"{student}: {score}/{max_score}, expected 0")
        text = feedback_text(course, student, assignment)
        for message in expect.get("feedback", []):
            if message not in text:
                problems.append(f"{student}: feedback lacks {message!r}; it says:\n{text[-1500:]}")
        if "FeedbackError" not in text and not expect.get("full") and not expect.get("zero"):
            problems.append(f"{student}: lost points without a FeedbackError message:\n{text[-1500:]}")
    assert not problems, "\n\n".join(problems)


def test_feedback_and_export(graded):
    course, assignment, expected, got = graded
    for student in expected:
        html = course / "feedback" / student / assignment
        assert sorted(p.name for p in html.glob("*.html")) == [n.replace(".ipynb", ".html") for n in notebook_names(assignment)]
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
    for name in notebook_names(assignment):
        nb = nbformat.read(REPO / "solutions" / assignment / name, as_version=4)
        answers = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        hidden = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and "### BEGIN HIDDEN TESTS" in c.source}
        for item in (i for i in items if i.notebook == name):
            assert item.function in answers, f"{name}: no answer cell with grade_id {item.function!r}"
            assert item.visible > 0 and item.hidden > 0, f"{name}: {item.function} needs visible and hidden points"
            assert f"test_{item.function}_hidden" in hidden, f"{name}: the hidden tests of {item.function} are not hidden"


def test_feedback_shows_messages_but_never_hidden_tests_or_grading_code(graded):
    """generate_feedback (with nbgrader_config.py's HideHiddenTests) keeps scores and the targeted
    messages, and drops the hidden tests' source and the tracebacks that quote grading code."""
    from bs4 import BeautifulSoup

    course, assignment, expected, got = graded
    hidden_lines = set()
    for name in notebook_names(assignment):
        source = nbformat.read(REPO / "solutions" / assignment / name, as_version=4)
        hidden_lines |= {" ".join(line.split()) for c in source.cells for line in _secret_lines(c.source)
                         if c.metadata.get("nbgrader", {}).get("grade") and line.strip()
                         and not line.strip().startswith(("#", "from ", "import "))}
    assert hidden_lines, f"{assignment} has no hidden tests"
    for student in expected:
        for html in (course / "feedback" / student / assignment).glob("*.html"):
            text = " ".join(BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
            assert "BEGIN HIDDEN TESTS" not in text, f"{student}/{html.name}: hidden-test marker in feedback"
            leaked = [line for line in hidden_lines if line in text]
            assert not leaked, f"{student}/{html.name}: hidden test source in feedback: {leaked}"
            # A student's own answer cell may show its traceback; the tests' tracebacks (which quote
            # the grading code) may not.
            for code in ("qkv_course/grading", "__tracebackhide__", "def fail(", "check_call("):
                assert code not in text, f"{student}/{html.name}: grading code in feedback ({code!r})"
        score, max_score = got[student]
        if 0 < score < max_score or (score == 0 and student != "untouched"):
            assert "FeedbackError:" in text, f"{student}: feedback lacks the FeedbackError message"
