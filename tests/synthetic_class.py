"""A synthetic class for the autograding tests and benchmark: many students, one course.

Students of an assignment, in a fixed rotation: the reference solution, the untouched release,
and the mistakes catalogue's packed submissions (tests/catalogue.py: wrong answers, correct
alternatives, answers that patch numpy or torch, call forbidden shortcuts or warn). For
ps01_search, some of the hostile catalogue's cases that plain nbgrader also survives join in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

import hostile
from catalogue import notebooks, pack, variants
from nbgrader_course import REPO, make_course, run_nbgrader, student_notebook

# hostile cases whose outcome does not depend on the sandbox, so serial and parallel agree
SAFE_HOSTILE = ("always_equal", "patched_numpy", "showtraceback", "faked_outputs", "edited_tests",
                "deleted_tests", "stripped_metadata", "changed_kernelspec", "input_transformer")


def course_with(root: Path, assignments: list[str], db_url: str | None = None) -> Path:
    """A course at ``root`` with ``assignments`` generated (released) into its gradebook."""
    make_course(root, assignments[0])
    for assignment in assignments[1:]:
        shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment)
    extra = [f"--CourseDirectory.db_url={db_url}"] if db_url else []
    for assignment in assignments:
        run_nbgrader(root, "generate_assignment", assignment, "--force", *extra)
    return root


def submissions(course: Path, assignment: str, count: int) -> dict[str, dict[str, bytes]]:
    """``count`` students' submission folders (file name -> bytes) for ``assignment``."""
    names = notebooks(assignment)
    release = {n: course / "notebooks" / assignment / n for n in names}
    source = {n: REPO / "solutions" / assignment / n for n in names}

    def folder(answers_of) -> dict[str, bytes]:
        return {n: nbformat.writes(student_notebook(release[n], source[n], answers_of(n))).encode()
                for n in names}

    pool: list[tuple[str, dict[str, bytes]]] = [
        ("correct", {n: source[n].read_bytes() for n in names}),
        ("blank", {n: release[n].read_bytes() for n in names}),
    ]
    for i, sub in enumerate(pack(variants(assignment))):
        pool.append((f"catalogue{i:02d}", folder(sub.answers)))
    if assignment == "ps01_search":
        for case in hostile.CASES:
            if case.name in SAFE_HOSTILE:
                pool.append((case.name, hostile.submission_files(case, course)))
    # every third student hands in the reference solution: a class has many right answers
    out: dict[str, dict[str, bytes]] = {}
    others = pool[1:]
    for k in range(count):
        kind, files = pool[0] if k % 3 == 0 else others[(k - k // 3 - 1) % len(others)]
        out[f"s{k:03d}-{kind}"] = files
    return out


def cell_grades(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    """Per student, the score of every graded cell (``<notebook>/<grade_id>``) in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {sub.student.id: {f"{nb.name}/{g.name}": float(g.score) for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(assignment)}


def submit(course: Path, assignment: str, students: dict[str, dict[str, bytes]]) -> None:
    for student, files in students.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
