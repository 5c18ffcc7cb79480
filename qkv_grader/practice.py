"""A practice class: a throw-away course directory with many students' submissions.

What an instructor, the autograding benchmark (``benchmarks/autograde.py``) and the tests use to
see the grader at work on a class before a real one: :func:`course_with` makes a course from this
repository's ``nbgrader_config.py`` and ``solutions/``, :func:`practice_submissions` fills an
assignment's notebooks in for many students (the reference solution, the untouched release, and
the answers of a catalogue of submission variants, see :func:`parse_variant`), :func:`submit`
puts them where nbgrader collects them, and :func:`cell_grades` reads back what the gradebook
recorded for every test cell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

__all__ = ["course_with", "run_nbgrader", "strip_solution_markers", "parse_variant",
           "student_notebook", "practice_submissions", "rotation", "submit", "cell_grades"]

NBGRADER = [sys.executable, "-m", "nbgrader"]


def course_with(root: Path, assignments: list[str], source: Path, db_url: str | None = None,
                generate: bool = True) -> Path:
    """A course directory at ``root`` with the ``nbgrader_config.py`` and the ``solutions/``
    folders of ``assignments`` copied from the course repository ``source``, each assignment
    generated (released) into the gradebook (``db_url``, or nbgrader's default) unless
    ``generate`` is false."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(source / "solutions" / assignment, root / "solutions" / assignment)
    extra = [f"--CourseDirectory.db_url={db_url}"] if db_url else []
    for assignment in assignments if generate else ():
        run_nbgrader(root, "generate_assignment", assignment, "--force", *extra)
    return root


def run_nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course``; raise with its output if it exits non-zero."""
    # nbgrader calls helper programs (alembic, the kernel) by name: find this environment's first.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run(NBGRADER + list(args), cwd=course, capture_output=True, text=True,
                          timeout=timeout, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def strip_solution_markers(source: str) -> str:
    """The solution code of a source cell, without the BEGIN/END SOLUTION lines."""
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def parse_variant(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Read a submission variant file: one student's answers to some answer cells.

    Header lines ``# key: value`` (before the first cell) become the second dict (lists of
    values per key); each ``# %% <grade_id>`` section gives the code of that answer cell.
    """
    header: dict[str, list[str]] = {}
    cells: dict[str, list[str]] = {}
    current: str | None = None
    for line in path.read_text().splitlines():
        m = re.match(r"#\s*%%\s*(\S+)\s*$", line)
        if m:
            current = m.group(1)
            cells[current] = []
        elif current is not None:
            cells[current].append(line)
        else:
            h = re.match(r"#\s*(\w+):\s*(.*)$", line)
            if h:
                header.setdefault(h.group(1), []).append(h.group(2).strip())
    return {k: "\n".join(v).strip() + "\n" for k, v in cells.items()}, header


def student_notebook(release: Path, source: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in.

    Answer cells named in ``answers`` get that code; the others get the source notebook's
    solution, so a variant that changes one function keeps the others correct.
    """
    nb = nbformat.read(release, as_version=4)
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
        for c in nbformat.read(source, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    unknown = set(answers) - set(solutions)
    if unknown:
        raise ValueError(f"variant names answer cells that do not exist: {sorted(unknown)}")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers.get(gid, solutions[gid])
    return nb


def practice_submissions(course: Path, assignment: str, count: int,
                         variants: list[Path] = ()) -> dict[str, dict[str, bytes]]:
    """``count`` students' submission folders (file name -> bytes) for ``assignment`` of
    ``course`` (made by :func:`course_with`): every third student hands in the reference
    solution (a class has many right answers), the others, in turn, the untouched release or
    the answers of one of the variant files ``variants`` (:func:`parse_variant`; header
    ``# notebook: <name>.ipynb`` where the assignment has several notebooks)."""
    source_dir = course / "solutions" / assignment
    names = sorted(p.name for p in source_dir.glob("*.ipynb"))
    release = {n: course / "notebooks" / assignment / n for n in names}
    source = {n: source_dir / n for n in names}

    def answered(path: Path) -> dict[str, bytes]:
        answers, header = parse_variant(path)
        notebook = (header.get("notebook") or names)[0]
        return {n: nbformat.writes(student_notebook(release[n], source[n], answers if n == notebook else {})).encode()
                for n in names}

    pool: list[tuple[str, dict[str, bytes]]] = [
        ("correct", {n: source[n].read_bytes() for n in names}),
        ("blank", {n: release[n].read_bytes() for n in names}),
    ]
    pool += [(Path(path).stem, answered(Path(path))) for path in variants]
    return rotation(pool, count)


def rotation(pool: list[tuple[str, dict[str, bytes]]], count: int) -> dict[str, dict[str, bytes]]:
    """``count`` students ``s000-<kind>``, ... from ``pool`` (kind, files): every third one
    hands in the first entry (the reference: a class has many right answers), the others the
    rest in turn."""
    out: dict[str, dict[str, bytes]] = {}
    others = pool[1:]
    for k in range(count):
        kind, files = pool[0] if k % 3 == 0 or not others else others[(k - k // 3 - 1) % len(others)]
        out[f"s{k:03d}-{kind}"] = files
    return out


def submit(course: Path, assignment: str, students: dict[str, dict[str, bytes]]) -> None:
    """Put each student's files in ``submitted/<student>/<assignment>/``."""
    for student, files in students.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


def cell_grades(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    """Per student, the score of every graded cell (``<notebook>/<grade_id>``) in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {sub.student.id: {f"{nb.name}/{g.name}": float(g.score) for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(assignment)}
