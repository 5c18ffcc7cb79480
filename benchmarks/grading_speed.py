"""Benchmark: seconds per notebook to grade correct answers, per assignment.

For each assignment, a practice course (qkv_grader.practice) where N students hand in the
reference solution; graded with plain serial ``nbgrader autograde`` and, in a copy of the same
course, with ``qkv-grade --jobs 2``. Prints a table of seconds per notebook. Run it on two
checkouts (each with its own environment) to compare them:

    .venv/bin/python benchmarks/grading_speed.py --students 10
    .venv/bin/python benchmarks/grading_speed.py --students 4 --assignments ps03_projections
    .venv/bin/python benchmarks/grading_speed.py --students 10 --checkout /tmp/before

``--without-questions`` leaves each problem set's questions out (their answer, text and test cells),
so that this checkout grades the same tests as one from before the questions were added.
``--checkout DIR`` measures another checkout of the course from this script: its ``solutions/`` and
``nbgrader_config.py`` make the course, and its own environment (``DIR/.venv``, which must import
that checkout's packages) generates, grades and runs the kernels. An assignment is named by its
folder in that checkout.

Not a test: it prints what it measured on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qkv_grader import practice

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(args: list[str], cwd: Path) -> float:
    env = dict(os.environ, PATH=f"{Path(args[0]).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def _commit(repo: Path) -> str:
    out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _test_cells(notebook: bytes) -> int:
    """The graded test cells of a source notebook (graded, not an answer)."""
    import json

    cells = json.loads(notebook)["cells"]
    return sum(1 for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
               and not c["metadata"]["nbgrader"].get("solution"))


def _full_marks(course: Path, assignment: str) -> str:
    """How many students the gradebook gives full marks (all hand in the reference answers)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        subs = gb.assignment_submissions(assignment)
        return f"{sum(s.score == s.max_score for s in subs)}/{len(subs)}"


def _drop_questions(folder: Path, assignment: str) -> None:
    """Remove the questions' cells (``QUESTIONS`` of the assignment's checks module: the section's
    heading, and each question's text, answer and test cells, named as scripts/question_cells.py
    names them) from the source notebooks in ``folder``."""
    import importlib

    import nbformat

    from qkv_grader.catalog import function_of

    names = set(getattr(importlib.import_module(f"qkv_course.checks.{assignment.split('_', 1)[1]}"),
                        "QUESTIONS", {}))

    def is_question(grade_id: str | None) -> bool:
        return (grade_id == "questions" or grade_id in names
                or function_of(grade_id) in names or (grade_id or "").removesuffix("_text") in names)

    for path in folder.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if not is_question(c.metadata.get("nbgrader", {}).get("grade_id"))]
        nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10, help="students per assignment (default 10)")
    parser.add_argument("--assignments", help="comma-separated (default: all of the checkout's)")
    parser.add_argument("--without-questions", action="store_true",
                        help="leave the problem sets' questions out (to compare with a checkout without them)")
    parser.add_argument("--checkout", type=Path, default=REPO,
                        help="the course checkout to measure, with its own .venv (default: this one)")
    args = parser.parse_args()
    repo = args.checkout.resolve()
    bin_ = BIN if repo == REPO else repo / ".venv" / "bin"
    # an older qkv-grade may have no --quiet (its progress output then goes to the pipe)
    helps = subprocess.run([str(bin_ / "qkv-grade"), "--help"], capture_output=True, text=True).stdout
    quiet = ["--quiet"] if "--quiet" in helps else []
    names = args.assignments or ",".join(sorted(p.name for p in (repo / "solutions").iterdir()))
    work = Path(tempfile.mkdtemp(prefix="qkv-speed-"))
    print(f"{repo} at {_commit(repo)}; {os.cpu_count()} cores\n")
    print("| assignment | test cells per notebook | serial nbgrader (s/notebook) | qkv-grade --jobs 2 (s/notebook) | full marks (serial, jobs 2) |")
    print("|---|---|---|---|---|")
    total = {"serial": 0.0, "jobs2": 0.0, "notebooks": 0}
    for assignment in [a for a in names.split(",") if a]:
        course = practice.course_with(work / assignment / "serial", [assignment], repo, generate=False)
        if args.without_questions:
            _drop_questions(course / "solutions" / assignment, assignment)
        timed([str(bin_ / "nbgrader"), "generate_assignment", assignment, "--force"], course)
        reference = {p.name: p.read_bytes() for p in (course / "solutions" / assignment).glob("*.ipynb")}
        practice.submit(course, assignment, {f"s{k:03d}": reference for k in range(args.students)})
        parallel = work / assignment / "parallel"
        shutil.copytree(course, parallel)
        serial_s = timed([str(bin_ / "nbgrader"), "autograde", assignment], course)
        jobs_s = timed([str(bin_ / "qkv-grade"), assignment, "--jobs", "2", *quiet], parallel)
        n = args.students * len(reference)
        tests = sum(_test_cells(nb) for nb in reference.values()) / len(reference)
        total["serial"] += serial_s
        total["jobs2"] += jobs_s
        total["notebooks"] += n
        marks = f"{_full_marks(course, assignment)}, {_full_marks(parallel, assignment)}"
        print(f"| {assignment} | {tests:g} | {serial_s / n:.2f} | {jobs_s / n:.2f} | {marks} |", flush=True)
    print(f"| all | | {total['serial'] / total['notebooks']:.2f} | {total['jobs2'] / total['notebooks']:.2f} | |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
