"""The hostile submissions catalogue (tests/hostile.py), graded as one batch by ``qkv-grade``.

Each case must end as its entry says (score, reported problems, output), and the batch as a
whole must survive all of them: the well-behaved students beside them get their usual grades, no
submitted file changes by a byte, every student has a gradebook row and a CSV row, nothing is
written into the course or the Python environment, and no process of a sandboxed kernel is left.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import site
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import hostile
from nbgrader_course import REPO, make_course, run_nbgrader, scores
from qkv_grader import classgrade
from qkv_grader.sandbox import bwrap_available

# QKV_HOSTILE=<regex>: grade only the cases whose names match (while working on one attack)
_ONLY = os.environ.get("QKV_HOSTILE")
# QKV_HOSTILE_REPORT=<file>: also write each case's outcome there (JSON: score, maximum, the
# score it must get, status, problems), e.g. for the table of attacks per assignment
_REPORT = os.environ.get("QKV_HOSTILE_REPORT")
if _ONLY:
    import re

    hostile.CASES = [c for c in hostile.CASES if re.search(_ONLY, c.name)]
ASSIGNMENTS = sorted({c.assignment for c in hostile.CASES} | {"ps01_search"})
WELL_BEHAVED = {"good": "full", "blank": "zero"}

if not bwrap_available() and os.environ.get("CI") != "true":
    pytest.skip("bubblewrap is not installed (scripts/system_packages.sh installs it)", allow_module_level=True)


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Batch:
    course: Path
    outcomes: dict[str, classgrade.Outcome]  # by student
    before: dict[str, str]                   # hashes of submitted/ before grading
    config_before: str
    csv_rows: list[dict[str, str]]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    course = make_course(tmp_path_factory.mktemp("hostile"), ASSIGNMENTS[0])
    for assignment in ASSIGNMENTS[1:]:
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
    for assignment in ASSIGNMENTS:
        run_nbgrader(course, "generate_assignment", assignment, "--force")

    def put(student: str, assignment: str, files: dict[str, bytes]) -> None:
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)

    builder = hostile.Builder(course)
    put("good", "ps01_search", builder.files(builder.correct()))
    put("blank", "ps01_search", {"search.ipynb": (course / "notebooks/ps01_search/search.ipynb").read_bytes()})
    for case in hostile.CASES:
        put(case.name, case.assignment, hostile.submission_files(case, course))
    before = _tree_hashes(course / "submitted")
    config_before = (course / "nbgrader_config.py").read_text()

    outcomes: dict[str, classgrade.Outcome] = {}
    for assignment in ASSIGNMENTS:
        limits = dict(hostile.LIMITS)
        if assignment != "ps01_search":
            limits["cell_timeout"] = 60  # torch's import alone can take seconds on a loaded machine
        for outcome in classgrade.grade_class(
                course, assignment, jobs=2, progress=False, export=course / f"{assignment}.csv",
                config={"SandboxedKernelManager": {"uid_base": hostile.UID_BASE}}, **limits):
            outcomes[outcome.student] = outcome
    rows = []
    for assignment in ASSIGNMENTS:
        with open(course / f"{assignment}.csv", newline="") as f:
            rows += [r for r in csv.DictReader(f) if r["assignment"] == assignment]
    if _REPORT:
        Path(_REPORT).write_text(json.dumps({
            case.name: {"assignment": case.assignment, "what": case.what, "must_score": case.score,
                        "score": outcomes[case.name].score, "max_score": outcomes[case.name].max_score,
                        "status": outcomes[case.name].status, "problems": outcomes[case.name].problems}
            for case in hostile.CASES}, indent=1))
    return Batch(course, outcomes, before, config_before, rows)


CASES = {c.name: c for c in hostile.CASES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_is_graded_as_expected(batch, name):
    case, outcome = CASES[name], batch.outcomes[name]
    report = "; ".join(outcome.problems)
    assert outcome.status == "graded", f"{name}: {outcome.status}: {report}"
    assert (outcome.score, outcome.max_score) == (case.score, case.max_score), (
        f"{name} ({case.what}) scored {outcome.score}/{outcome.max_score}, expected "
        f"{case.score}/{case.max_score}; report: {report}")
    for text in case.problems:
        assert text in report, f"{name}: the report should name {text!r}; it says: {report or '-'}"


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items()
                                         if c.output_text or c.absent_text or c.max_notebook_bytes))
def test_case_output(batch, name):
    case = CASES[name]
    folder = batch.course / "autograded" / name / case.assignment
    notebooks = list(folder.glob("*.ipynb"))
    assert notebooks, f"{name} has no autograded notebook"
    text = "".join(p.read_text() for p in notebooks)
    for expected in case.output_text:
        assert expected in text, f"{name}: {expected!r} should be in the autograded notebook"
    for unwanted in case.absent_text:
        lines = [line.strip()[:200] for line in text.splitlines() if unwanted in line]
        assert not lines, f"{name}: {unwanted!r} should not be in the autograded notebook: {lines[:5]}"
    if case.max_notebook_bytes:
        assert len(text.encode()) <= case.max_notebook_bytes, f"{name}: autograded notebook of {len(text)} bytes"


PLAIN = sorted(n for n, c in CASES.items() if c.plain)


@pytest.fixture(scope="module")
def plain(batch, tmp_path_factory) -> Path:
    """The cases marked ``plain``, graded again by plain ``nbgrader autograde`` (staged by qkv_grader.plain) in a
    copy of the batch's course: its config, gradebook, releases and those submissions only."""
    course = tmp_path_factory.mktemp("plain")
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(batch.course / name, course / name)
    for folder in ("notebooks", "solutions"):
        shutil.copytree(batch.course / folder, course / folder)
    for name in PLAIN:
        shutil.copytree(batch.course / "submitted" / name, course / "submitted" / name, symlinks=True)
    for assignment in sorted({CASES[n].assignment for n in PLAIN}):
        run_nbgrader(course, "autograde", assignment)
    return course


@pytest.mark.parametrize("name", PLAIN)
def test_plain_nbgrader_grades_alike(plain, name):
    case = CASES[name]
    assert scores(plain, case.assignment)[name] == (case.score, case.max_score), f"{name} ({case.what})"
    text = "".join(p.read_text() for p in (plain / "autograded" / name / case.assignment).glob("*.ipynb"))
    for unwanted in case.absent_text:
        assert unwanted not in text, f"{name}: {unwanted!r} is in the autograded notebook"
    for expected in case.output_text:   # (plain runs start each kernel ahead, without files)
        assert expected in text, f"{name}: {expected!r} should be in the autograded notebook"


def test_well_behaved_students_are_unaffected(batch):
    full = float(sum(hostile.POINTS["ps01_search"].values()))
    assert (batch.outcomes["good"].score, batch.outcomes["good"].max_score) == (full, full)
    assert batch.outcomes["good"].problems == []
    assert batch.outcomes["blank"].score == 0.0


def test_no_submitted_file_changed(batch):
    assert _tree_hashes(batch.course / "submitted") == batch.before


def test_every_student_has_a_gradebook_and_csv_row(batch):
    expected = {(c.assignment, c.name) for c in hostile.CASES} | {("ps01_search", s) for s in WELL_BEHAVED}
    assert {(a, s) for s in batch.outcomes for a in ASSIGNMENTS
            if (a, s) in expected} == expected
    graded = {(r["assignment"], r["student_id"]) for r in batch.csv_rows}
    assert expected <= graded
    for row in batch.csv_rows:
        if (row["assignment"], row["student_id"]) in expected:
            outcome = batch.outcomes[row["student_id"]]
            assert float(row["score"]) == outcome.score


def test_nothing_was_written_outside_the_sandbox(batch):
    assert (batch.course / "nbgrader_config.py").read_text() == batch.config_before
    for folder in set(site.getsitepackages()) | {str(Path(sys.prefix) / "lib" / "python3.11" / "site-packages")}:
        assert not (Path(folder) / "zz_hostile.pth").exists(), f"a .pth file was planted in {folder}"
    good = batch.course / "autograded" / "good" / "ps01_search" / "search.ipynb"
    assert "HOSTILE" not in good.read_text()
    assert b"HOSTILE" not in (batch.course / "gradebook.db").read_bytes()


def test_no_sandboxed_process_is_left(batch):
    """Not a kernel, not a forked child of one (the fork bomb's sleep for 20 s) is still alive."""
    import re

    if "fork_bomb" not in CASES:
        pytest.skip("QKV_HOSTILE left the fork bomb out")
    text = (batch.course / "autograded" / "fork_bomb" / "ps01_search" / "search.ipynb").read_text()
    uid = int(re.search(r"kernel uid (\d+)", text)[1])
    assert hostile.UID_BASE <= uid < hostile.UID_BASE + 800000, "the batch's kernels ran as other ids"
    leftovers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        uid = int(fields.get("Uid", "0").split()[0])
        if hostile.UID_BASE <= uid < hostile.UID_BASE + 800000:  # the ids of this batch's kernels
            leftovers.append((status.parent.name, uid, fields.get("Name", "").strip()))
    assert leftovers == []


def test_the_report_is_written(batch):
    report = json.loads((batch.course / ".qkv-grade" / "ps01_search" / "report.json").read_text())
    assert {r["student"] for r in report} >= {"good", "blank"} | ({"infinite_loop"} & set(CASES))
