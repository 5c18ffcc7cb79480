"""Run real nbgrader commands in a throw-away course directory (used by the assignment tests).

The temporary course gets a copy of the repository's ``nbgrader_config.py`` and of the
assignment's ``solutions/`` folder, so the tests exercise the real configuration.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from qkv_grader.practice import course_with, parse_variant, run_nbgrader, strip_solution_markers, student_notebook

__all__ = ["REPO", "assignments", "make_course", "run_nbgrader", "strip_solution_markers",
           "parse_variant", "student_notebook", "scores", "feedback_text", "cell_results"]

REPO = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def is_question(assignment: str, name: str) -> bool:
    """Whether ``name`` is one of the assignment's questions (``QUESTIONS`` of its checks module,
    see qkv_course/checks/questions.py) rather than a graded function."""
    import importlib

    key = assignment.split("_", 1)[1]
    return name in getattr(importlib.import_module(f"qkv_course.checks.{key}"), "QUESTIONS", {})


def assignments() -> list[str]:
    """Names of the assignments in solutions/ (one folder each)."""
    return sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())


def make_course(root: Path, assignment: str) -> Path:
    """A fresh course directory at ``root`` holding the config and one assignment's source."""
    return course_with(root, [assignment], REPO, generate=False)


def scores(course: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """(score, max_score) of every student's submission in the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(assignment)}


def feedback_text(course: Path, student: str, assignment: str) -> str:
    """All error messages in a student's autograded notebook, ANSI colours removed."""
    texts = []
    for nb_path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    texts.append(ANSI.sub("", "\n".join(out.get("traceback", []))))
    return "\n".join(texts)


@dataclass(frozen=True)
class CellResult:
    """One graded test cell of one student's autograded notebook."""

    score: float
    max_score: float
    errors: tuple[str, ...]  # "<ename>: <traceback>" of each error output, ANSI colours removed
    streams: dict[str, str]  # text of the cell's stream outputs, by name (stdout, stderr)


def cell_results(course: Path, assignment: str) -> dict[str, dict[tuple[str, str], CellResult]]:
    """Per student, per (notebook, grade_id) of every graded cell: the gradebook's score and the
    error outputs of the autograded notebook."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[tuple[str, str], CellResult]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            student = sub.student.id
            cells: dict[tuple[str, str], CellResult] = {}
            for nb in sub.notebooks:
                path = course / "autograded" / student / assignment / f"{nb.name}.ipynb"
                errors: dict[str, tuple[str, ...]] = {}
                streams: dict[str, dict[str, str]] = {}
                for cell in json.loads(path.read_text())["cells"]:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    outputs = cell.get("outputs", [])
                    errors[gid] = tuple(
                        f"{o.get('ename')}: " + ANSI.sub("", "\n".join(o.get("traceback", [])))
                        for o in outputs if o.get("output_type") == "error")
                    streams[gid] = {}
                    for o in (o for o in outputs if o.get("output_type") == "stream"):
                        text = o.get("text", "")
                        streams[gid][o["name"]] = streams[gid].get(o["name"], "") + (
                            text if isinstance(text, str) else "".join(text))
                for grade in nb.grades:
                    cells[(f"{nb.name}.ipynb", grade.name)] = CellResult(
                        float(grade.score), float(grade.max_score), errors.get(grade.name, ()),
                        streams.get(grade.name, {}))
            out[student] = cells
    return out
