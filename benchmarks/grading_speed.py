"""Benchmark: seconds per notebook to grade correct answers, per assignment.

For each assignment, a practice course (qkv_grader.practice) where N students hand in the
reference solution; graded with plain serial ``nbgrader autograde`` and, in a copy of the same
course, with ``qkv-grade --jobs 2``. Prints a table of seconds per notebook:

    .venv/bin/python benchmarks/grading_speed.py --students 10
    .venv/bin/python benchmarks/grading_speed.py --students 4 --assignments ps03_projections
    .venv/bin/python benchmarks/grading_speed.py --students 10 --checkout /tmp/before

``--without-questions`` leaves each problem set's questions out (their answer, text and test cells),
so that this checkout grades the same tests as one from before the questions were added.
``--checkout DIR`` measures another checkout of the course from this script: its ``solutions/`` and
``nbgrader_config.py`` make the course, and its own environment (``DIR/.venv``, which must import
that checkout's packages) generates, grades and runs the kernels. An assignment is named by its
folder in that checkout.

``--against DIR`` compares two checkouts in one run: the ``--checkout`` (default this one) and
``DIR`` (each with its own ``.venv``), measured in turn, ``--repeat`` times each, the order
swapped every repeat so that a slow spell of the machine falls on both. An assignment of this
checkout is matched in ``DIR`` by its chapter key (``ps10_cost`` with ``ps07_cost``). The table
gives each side's median and range, and the ratio of the medians:

    .venv/bin/python benchmarks/grading_speed.py --students 10 --repeat 3 --against /tmp/before \\
        --without-questions

Not a test: it prints what it measured on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class Measured:
    serial: float   # seconds per notebook, plain serial nbgrader autograde
    jobs2: float    # seconds per notebook, qkv-grade --jobs 2
    notebooks: int
    tests: float    # graded test cells per notebook
    marks: str      # students given full marks (serial, jobs 2)


def measure(repo: Path, assignment: str, students: int, without_questions: bool, work: Path) -> Measured:
    """Grade ``students`` reference submissions of ``assignment`` of the checkout ``repo`` both ways."""
    bin_ = BIN if repo == REPO else repo / ".venv" / "bin"
    # an older qkv-grade may have no --quiet (its progress output then goes to the pipe)
    helps = subprocess.run([str(bin_ / "qkv-grade"), "--help"], capture_output=True, text=True).stdout
    quiet = ["--quiet"] if "--quiet" in helps else []
    work = Path(tempfile.mkdtemp(prefix=f"{assignment}-", dir=work))
    course = practice.course_with(work / "serial", [assignment], repo, generate=False)
    if without_questions:
        _drop_questions(course / "solutions" / assignment, assignment)
    timed([str(bin_ / "nbgrader"), "generate_assignment", assignment, "--force"], course)
    reference = {p.name: p.read_bytes() for p in (course / "solutions" / assignment).glob("*.ipynb")}
    practice.submit(course, assignment, {f"s{k:03d}": reference for k in range(students)})
    parallel = work / "parallel"
    shutil.copytree(course, parallel)
    serial_s = timed([str(bin_ / "nbgrader"), "autograde", assignment], course)
    jobs_s = timed([str(bin_ / "qkv-grade"), assignment, "--jobs", "2", *quiet], parallel)
    n = students * len(reference)
    tests = sum(_test_cells(nb) for nb in reference.values()) / len(reference)
    marks = f"{_full_marks(course, assignment)}, {_full_marks(parallel, assignment)}"
    shutil.rmtree(work, ignore_errors=True)
    return Measured(serial_s / n, jobs_s / n, n, tests, marks)


def _same_chapter(assignment: str, repo: Path) -> str:
    """The assignment of checkout ``repo`` with ``assignment``'s chapter key (``ps10_cost`` ->
    ``ps07_cost`` in an older numbering)."""
    key = assignment.split("_", 1)[1]
    found = [p.name for p in (repo / "solutions").iterdir() if p.name.split("_", 1)[-1] == key]
    if len(found) != 1:
        raise SystemExit(f"{repo} has no one assignment with the key {key!r} (found {found})")
    return found[0]


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def compare(this: Path, other: Path, names: list[str], args: argparse.Namespace, work: Path) -> None:
    """Both checkouts, each assignment ``args.repeat`` times in alternating order (module docstring)."""
    print(f"A: {this} at {_commit(this)}; B: {other} at {_commit(other)}; {os.cpu_count()} cores; "
          f"{args.students} students, {args.repeat} repeats, the order swapped each repeat\n")
    print("| assignment (A / B) | serial A | serial B | serial A/B | jobs 2 A | jobs 2 B | jobs 2 A/B | full marks |")
    print("|---|---|---|---|---|---|---|---|")
    sums = {side: {"serial": [0.0] * args.repeat, "jobs2": [0.0] * args.repeat} for side in "AB"}
    total = 0
    for assignment in names:
        theirs = _same_chapter(assignment, other)
        runs: dict[str, list[Measured]] = {"A": [], "B": []}
        for r in range(args.repeat):
            order = (("A", this, assignment), ("B", other, theirs))
            for side, repo, name in (order if r % 2 == 0 else order[::-1]):
                runs[side].append(measure(repo, name, args.students, args.without_questions, work))
        n = runs["A"][0].notebooks
        total += n
        for side in "AB":
            for r, m in enumerate(runs[side]):
                sums[side]["serial"][r] += m.serial * n
                sums[side]["jobs2"][r] += m.jobs2 * n
        row = [f"{assignment} / {theirs}"]
        for how in ("serial", "jobs2"):
            a = [getattr(m, how) for m in runs["A"]]
            b = [getattr(m, how) for m in runs["B"]]
            row += [_spread(a), _spread(b), f"{statistics.median(a) / statistics.median(b):.2f}"]
        marks = " ".join(m.marks for side in "AB" for m in runs[side])
        print("| " + " | ".join(row) + f" | {marks} |", flush=True)
    row = ["all"]
    for how in ("serial", "jobs2"):
        a = [v / total for v in sums["A"][how]]
        b = [v / total for v in sums["B"][how]]
        row += [_spread(a), _spread(b), f"{statistics.median(a) / statistics.median(b):.2f}"]
    print("| " + " | ".join(row) + " | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10, help="students per assignment (default 10)")
    parser.add_argument("--assignments", help="comma-separated (default: all of the checkout's)")
    parser.add_argument("--without-questions", action="store_true",
                        help="leave the problem sets' questions out (to compare with a checkout without them)")
    parser.add_argument("--checkout", type=Path, default=REPO,
                        help="the course checkout to measure, with its own .venv (default: this one)")
    parser.add_argument("--against", type=Path,
                        help="a second checkout (with its own .venv) to compare with, in the same run")
    parser.add_argument("--repeat", type=int, default=1, help="with --against: runs of each side (default 1)")
    args = parser.parse_args()
    repo = args.checkout.resolve()
    names = [a for a in (args.assignments or ",".join(sorted(p.name for p in (repo / "solutions").iterdir()))
                         ).split(",") if a]
    work = Path(tempfile.mkdtemp(prefix="qkv-speed-"))
    try:
        if args.against is not None:
            compare(repo, args.against.resolve(), names, args, work)
            return
        print(f"{repo} at {_commit(repo)}; {os.cpu_count()} cores\n")
        print("| assignment | test cells per notebook | serial nbgrader (s/notebook) | qkv-grade --jobs 2 (s/notebook) | full marks (serial, jobs 2) |")
        print("|---|---|---|---|---|")
        total = {"serial": 0.0, "jobs2": 0.0, "notebooks": 0}
        for assignment in names:
            m = measure(repo, assignment, args.students, args.without_questions, work)
            total["serial"] += m.serial * m.notebooks
            total["jobs2"] += m.jobs2 * m.notebooks
            total["notebooks"] += m.notebooks
            print(f"| {assignment} | {m.tests:g} | {m.serial:.2f} | {m.jobs2:.2f} | {m.marks} |", flush=True)
        print(f"| all | | {total['serial'] / total['notebooks']:.2f} | {total['jobs2'] / total['notebooks']:.2f} | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
