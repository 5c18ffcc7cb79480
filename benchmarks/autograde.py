"""Benchmark: class-scale autograding, serial ``nbgrader autograde`` against ``qkv-grade``.

Builds a practice class (qkv_grader.practice: per assignment, every third student hands in the
reference solution, the others in turn the untouched release or the answers of one file of the
mistakes catalogue, tests/submissions/<assignment>/*.py), grades it with plain
serial ``nbgrader autograde <assignment>`` and with ``qkv-grade <assignment> --jobs J`` in
copies of the same course, checks that every test cell got the same grade, and prints seconds
per submitted notebook, the speed-up and qkv-grade's serial fraction (seconds under the
gradebook lock / seconds grading, summed over students, from its report). Both run the course's nbgrader_config.py, so both use
the sandboxed kernels and the same limits.

    .venv/bin/python benchmarks/autograde.py                      # 40 students x every assignment
    .venv/bin/python benchmarks/autograde.py --students 10 --assignments ps01_search,ps04_attention
    .venv/bin/python benchmarks/autograde.py --jobs 2,4,8,16      # scaling on a bigger machine
    .venv/bin/python benchmarks/autograde.py --students 80 --assignments ps02_softmax --repeat 3

With ``--repeat N`` the serial and parallel gradings alternate N times in the same run (a busy
moment of the machine falls on one pair, not on one side) and a last table gives each command's
median seconds and the median of the per-repeat speed-ups.

Not a test: it prints what it measured on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qkv_grader import practice
from qkv_grader.classgrade import Outcome, serial_fraction

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "tests" / "submissions"  # data files: the submission variants
BIN = Path(sys.executable).parent


def all_assignments() -> list[str]:
    return sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())


def cell_grades(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    return practice.cell_grades(f"sqlite:///{course / 'gradebook.db'}", assignment)


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40, help="students per assignment (default 40)")
    parser.add_argument("--assignments", default=",".join(all_assignments()), help="comma-separated")
    parser.add_argument("--jobs", default=str(os.cpu_count() or 1),
                        help="comma-separated qkv-grade --jobs values (default: the cores)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="grade the class this many times with each command, alternating (default 1)")
    parser.add_argument("--keep", type=Path, help="build the courses here and keep them")
    args = parser.parse_args()
    assignments = [a for a in args.assignments.split(",") if a]
    jobs = [int(j) for j in args.jobs.split(",") if j]

    work = args.keep or Path(tempfile.mkdtemp(prefix="qkv-autograde-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    base = practice.course_with(work / "base", assignments, REPO)
    notebooks = 0
    for assignment in assignments:
        variants = sorted((CATALOGUE / assignment).glob("*.py"))
        students = practice.practice_submissions(base, assignment, args.students, variants)
        practice.submit(base, assignment, students)
        notebooks += sum(len(files) for files in students.values())
    print(f"practice class: {args.students} students x {len(assignments)} assignments = {notebooks} "
          f"notebooks; {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")

    def fresh(name: str) -> Path:
        course = work / name
        if course.exists():
            shutil.rmtree(course)
        shutil.copytree(base, course)
        return course

    import statistics

    runs: list[list[tuple[str, int, float, float | None, bool]]] = []
    for _ in range(max(1, args.repeat)):
        serial = fresh("serial")
        serial_s = sum(timed([str(BIN / "nbgrader"), "autograde", a], serial) for a in assignments)
        expected = {a: cell_grades(serial, a) for a in assignments}
        rows = [("nbgrader autograde (serial)", 1, serial_s, None, True)]
        for j in jobs:
            course = fresh(f"parallel-{j}")
            seconds = sum(timed([str(BIN / "qkv-grade"), a, "--jobs", str(j), "--quiet"], course)
                          for a in assignments)
            same = all(cell_grades(course, a) == expected[a] for a in assignments)
            reports = [json.loads((course / ".qkv-grade" / a / "report.json").read_text()) for a in assignments]
            fraction = serial_fraction(Outcome(**r) for report in reports for r in report)
            rows.append((f"qkv-grade --jobs {j}", j, seconds, fraction, same))
        runs.append(rows)
        print(f"\n| command | jobs | seconds | s per notebook | speed-up vs serial | serial fraction | grades identical |")
        print("|---|---|---|---|---|---|---|")
        for name, j, seconds, fraction, same in rows:
            print(f"| {name} | {j} | {seconds:.1f} | {seconds / notebooks:.2f} | {serial_s / seconds:.2f}x | "
                  f"{'-' if fraction is None else f'{fraction:.1%}'} | {'yes' if same else 'NO'} |", flush=True)
    if len(runs) > 1:
        print(f"\nmedian of {len(runs)} runs:\n")
        print("| command | jobs | seconds | s per notebook | speed-up vs serial | serial fraction |")
        print("|---|---|---|---|---|---|")
        for i, (name, j, *_) in enumerate(runs[0]):
            seconds = statistics.median(run[i][2] for run in runs)
            speedup = statistics.median(run[0][2] / run[i][2] for run in runs)
            fractions = [run[i][3] for run in runs if run[i][3] is not None]
            fraction = f"{statistics.median(fractions):.1%}" if fractions else "-"
            print(f"| {name} | {j} | {seconds:.1f} | {seconds / notebooks:.2f} | {speedup:.2f}x | {fraction} |")
    if not all(same for rows in runs for *_, same in rows):
        raise SystemExit("grades differ between serial and parallel grading")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
