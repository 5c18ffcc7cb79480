"""Run real nbgrader commands in a throw-away course directory (used by the assignment tests).

The temporary course gets a copy of the repository's ``nbgrader_config.py`` and of the
assignment's ``solutions/`` folder, so the tests exercise the real configuration.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NBGRADER = [sys.executable, "-m", "nbgrader"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def assignments() -> list[str]:
    """Names of the assignments in solutions/ (one folder each)."""
    return sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())


def make_course(root: Path, assignment: str) -> Path:
    """A fresh course directory at ``root`` holding the config and one assignment's source."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment)
    return root


def run_nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course``; fail with its output if it exits non-zero."""
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
    """Read a submission variant file.

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


# --------------------------------------------------------------------------- in-process variants
# The pipeline tests run the variants of tests/submissions/<assignment>/ through nbgrader. These
# helpers grade variants in this process instead (milliseconds each), for the larger collections
# in tests/submissions/<assignment>/more/ and for unit tests of the checks.

def variant_failures(notebook: Path, checks: dict, answers: dict[str, str]) -> list[str]:
    """Run a notebook's imports cell and answer cells the way the notebook runs them (the
    source solution where the variant gives no code, all in one namespace), then return the
    feedback of every failing check, visible and hidden, of the cells the variant answers."""
    from qkv_course.grading import FeedbackError

    cells = nbformat.read(notebook, as_version=4).cells
    namespace: dict = {"__name__": "__main__"}
    for cell in cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "imports":
            exec(cell.source, namespace)
    solutions = {c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
                 for c in cells if c.metadata.get("nbgrader", {}).get("solution")}
    assert set(answers) <= set(solutions) == set(checks), f"unknown answer cells: {set(answers) - set(solutions)}"
    for grade_id, code in solutions.items():
        exec(compile(answers.get(grade_id, code), f"<{grade_id}>", "exec"), namespace)
    messages = []
    for grade_id in answers:
        for hidden in (False, True):
            try:
                checks[grade_id](namespace[grade_id], hidden=hidden)
            except FeedbackError as err:
                messages.append(str(err))
    return messages


def assert_enough_variants(folder: Path) -> None:
    """At least 6 mistakes and 3 correct alternatives in the pipeline folder."""
    names = [p.stem for p in folder.glob("*.py")]
    assert sum(n.startswith("mistake_") for n in names) >= 6, f"{folder.name}: fewer than 6 mistakes"
    assert sum(n.startswith("correct_") for n in names) >= 3, f"{folder.name}: fewer than 3 correct answers"


def assert_variant_graded(path: Path, notebook: Path, checks: dict) -> None:
    """A mistake fails with every feedback text its header names; a correct variant passes."""
    answers, header = parse_variant(path)
    failures = variant_failures(notebook, checks, answers)
    if header["expect"][0] == "full":
        assert not failures, f"{path.name} should pass, but: {failures}"
        return
    assert failures, f"{path.name} should lose points"
    for text in header.get("feedback", []):
        assert any(text in m for m in failures), f"{path.name}: {text!r} not in {failures}"
