"""A synthetic class for the autograding tests and benchmark: many students, one course.

Students of an assignment, in a fixed rotation: the reference solution, the untouched release,
and the mistakes catalogue's packed submissions (tests/catalogue.py: wrong answers, correct
alternatives, answers that patch numpy or torch, call forbidden shortcuts or warn). For
ps01_search, some of the hostile catalogue's cases that plain nbgrader also survives join in.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

import hostile
from catalogue import notebooks, pack, variants
from nbgrader_course import REPO, student_notebook
from qkv_grader import practice

# hostile cases whose outcome does not depend on the sandbox, so serial and parallel agree
SAFE_HOSTILE = ("always_equal", "patched_numpy", "showtraceback", "faked_outputs", "edited_tests",
                "deleted_tests", "stripped_metadata", "changed_kernelspec", "input_transformer")


def course_with(root: Path, assignments: list[str], db_url: str | None = None) -> Path:
    """A course at ``root`` with ``assignments`` generated (released) into its gradebook."""
    return practice.course_with(root, assignments, REPO, db_url)


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
    return practice.rotation(pool, count)


cell_grades = practice.cell_grades
submit = practice.submit
