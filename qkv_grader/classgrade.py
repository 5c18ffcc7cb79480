"""``qkv-grade``: autograde a whole class in parallel, on top of nbgrader.

::

    qkv-grade ps01_search                       # every student in submitted/, one job per core
    qkv-grade ps01_search --jobs 8 --students alice,bob --force --feedback --export grades.csv

Run it from the course root (the directory with ``nbgrader_config.py``), like nbgrader. For every
student with a folder ``submitted/<student>/<assignment>/`` (or those named), it runs nbgrader's
own ``Autograde`` step, so grades, the gradebook, formgrader, feedback and export are nbgrader's.
What it adds:

* **parallel grading**: ``--jobs`` worker processes each grade one student at a time, or, with
  ``--scheduler tcp://host:8786``, the workers of a Dask cluster (:mod:`qkv_grader.workers`).
  A worker holds the gradebook lock only while one of nbgrader's transactions writes the
  gradebook, so notebooks run, are sanitised and get their feedback side by side, the
  gradebook's reads too, and the gradebook, SQLite included, has one writer at a time. ``--db-url`` points nbgrader at another gradebook, e.g. PostgreSQL shared
  by several graders or machines (a Dask cluster across machines needs one).
* **limits and a sandbox** for every kernel (``--cell-timeout``, ``--notebook-timeout``,
  ``--memory``, ``--processes``; see :mod:`qkv_grader.execute`).
* **submissions are never touched**: each one is first copied to a staging folder
  (``.qkv-grade/<assignment>/submitted``), which is what nbgrader reads. A notebook that is not
  valid JSON, is truncated, or is missing (renamed) is left out of the copy and reported as
  ungradable; nbgrader gives its tests 0; one saved as nbformat 3 is upgraded. Symbolic links and
  Python packages or modules handed in (a ``qkv_course/`` folder, a ``numpy.py``) are left out
  and reported. Every student gets a row in the gradebook.
* a **progress bar** with an ETA, and a **summary**: per student the score and any timeout,
  crash, memory error, ungradable file or test that did not run as written.
* ``--feedback`` runs nbgrader's feedback step for the graded students, ``--export FILE``
  nbgrader's CSV export. Running it again grades only the students not graded yet (a student
  counts as graded once nbgrader has written their grades: an interrupted run loses no one) and
  submissions changed since; ``--force`` regrades everyone.

Exit status: 0 when every student was graded (however badly), 1 when grading itself failed for
some student (see the log under ``.qkv-grade/<assignment>/logs``), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
from concurrent.futures.process import BrokenProcessPool
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import sys
import time
import typing as t
from pathlib import Path

from tqdm import tqdm

from . import workers

__all__ = ["Outcome", "grade_class", "main", "problems_in", "serial_fraction", "stage_submission"]

STATE_DIR = ".qkv-grade"


@dataclasses.dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str = "graded"          # graded | skipped | failed
    score: float | None = None
    max_score: float | None = None
    problems: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    #: of those, the seconds nbgrader held the gradebook lock (qkv_grader.workers)
    locked: float = 0.0

    def as_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)


# -- staging: a private copy of each submission ---------------------------------------------------

#: What a submission may not hand in beside its notebooks: Python the kernel could import.
MODULE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so", ".pth")
#: The most a submission may hand in beside the notebooks the assignment expects: files, and
#: bytes in all (the kernel's working directory is a tmpfs of 256 MiB, see qkv_grader.sandbox).
#: Files past either cap are left out and reported.
#: The most cells a notebook handed in may have: it bounds the time nbgrader's sanitising and
#: the cell restorer take (about 0.5 ms a cell; 100,000 cells took 52 s), which run in the
#: grader's process where no timer can stop them cleanly. The released notebooks have < 60.
MAX_CELLS = 2000
#: The largest notebook handed in that is read (outputs included: a notebook of plots is a few MiB).
MAX_NOTEBOOK_BYTES = 32 * 1024**2
EXTRA_FILES = 200
EXTRA_BYTES = 64 * 1024**2


def _read_notebook(path: Path) -> tuple[str | None, str | None]:
    """``(upgraded, why)`` for the notebook at ``path``: ``why`` it cannot be graded (None if it
    can), and ``upgraded``, its nbformat 4 JSON where it was saved in an older format (else None)."""
    import nbformat

    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, (f"is {size / 1024**2:.0f} MiB, more than the {MAX_NOTEBOOK_BYTES // 1024**2} MiB "
                          "a submitted notebook may be (clear its outputs and hand it in again)")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot be read ({error.__class__.__name__})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"is not valid JSON (truncated or damaged at line {error.lineno}, column {error.colno})"
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return None, "is JSON but not a notebook (no list of cells)"
    cells = len(data.get("cells") or [c for w in data.get("worksheets") or [] if isinstance(w, dict)
                                        for c in w.get("cells") or []])
    if cells > MAX_CELLS:
        return None, (f"has {cells} cells, more than the {MAX_CELLS} a submission may have (the "
                      "released notebook has a few dozen)")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds for bad notebooks
        return None, f"is not a valid notebook ({error.__class__.__name__})"
    if data.get("nbformat") == 4:
        return None, None
    try:  # nbformat 3 (or older), upgraded: nbgrader reads the staged copy
        return nbformat.writes(nb, version=4), None
    except Exception as error:
        return None, f"is not a valid notebook ({error.__class__.__name__})"


def _python_code(path: Path) -> str | None:
    """What ``path`` is where it is Python the kernel could import (a package, a module), else None."""
    if path.is_dir() and (path / "__init__.py").is_file():
        return "a Python package"
    if path.is_file() and path.suffix.lower() in MODULE_SUFFIXES:
        return "a Python module"
    return None


def stage_submission(source: Path, dest: Path, notebooks: t.Iterable[str]) -> list[str]:
    """Copy a student's submission folder ``source`` to ``dest`` for grading; returns problems.

    Regular files only: symlinks and Python packages or modules (which the kernel could import
    in place of installed ones) are left out and reported, and so are files beside the expected
    notebooks past :data:`EXTRA_FILES` files or :data:`EXTRA_BYTES` bytes in all; a notebook the assignment expects
    (``notebooks``, e.g. ``['search.ipynb']``) that is missing or unreadable is left out and
    reported, so nbgrader scores it 0, and one in an older format (nbformat 3) is upgraded.
    ``source`` is only read."""
    problems: list[str] = []
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    expected = set(notebooks)
    found: list[str] = []
    dropped: list[Path] = []
    extra_files = extra_bytes = 0
    over: list[str] = []
    for path in sorted(source.rglob("*")) if source.is_dir() else []:
        rel = path.relative_to(source)
        if any(rel.is_relative_to(d) for d in dropped):
            continue
        if path.is_symlink():
            problems.append(f"{rel}: a symbolic link, not copied")
            continue
        code = _python_code(path)
        if code:
            dropped.append(rel)
            problems.append(f"{rel}{'/' if path.is_dir() else ''}: {code}, not copied")
            continue
        if path.is_dir():
            continue
        if not path.is_file():
            continue
        upgraded = None
        if path.suffix == ".ipynb" and len(rel.parts) == 1:
            found.append(rel.name)
        if len(rel.parts) == 1 and rel.name in expected:
            upgraded, reason = _read_notebook(path)
            if reason:
                problems.append(f"ungradable: {rel.name} {reason}")
                continue
        else:
            size = path.stat().st_size
            if extra_files + 1 > EXTRA_FILES or extra_bytes + size > EXTRA_BYTES:
                over.append(str(rel))
                continue
            extra_files, extra_bytes = extra_files + 1, extra_bytes + size
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        if upgraded is not None:
            (dest / rel).write_text(upgraded, encoding="utf-8")
        else:
            shutil.copyfile(path, dest / rel)
    if over:
        shown = ", ".join(over[:3]) + (f" and {len(over) - 3} more" if len(over) > 3 else "")
        problems.append(f"{len(over)} file(s) past the cap on files handed in beside the notebooks "
                        f"({EXTRA_FILES} files, {EXTRA_BYTES // 1024**2} MiB in all), not copied: {shown}")
    for name in sorted(expected - set(found)):
        others = sorted(set(found) - expected)
        hint = f" (found {', '.join(others)}: renamed?)" if others else ""
        problems.append(f"ungradable: {name} is missing{hint}")
    return problems


# -- what the autograded notebooks say -------------------------------------------------------------

def problems_in(autograded: Path) -> list[str]:
    """Timeouts, crashes, memory errors and unconfirmed tests recorded in autograded notebooks
    (:func:`qkv_grader.execute.problems`), one line each for the report."""
    from .execute import problems

    found: list[str] = []
    for path in sorted(autograded.glob("*.ipynb")):
        try:
            nb = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        for kind, count in problems(nb).items():
            found.append(f"{path.name}: {kind.value}" + (f" ({count} cells)" if count > 1 else ""))
    return found


# -- completion, recorded as data ------------------------------------------------------------------
# A student counts as graded when nbgrader finished their notebooks and wrote the grades: then,
# and only then, .qkv-grade/<assignment>/graded/<student>.json records the submission it graded
# (a digest of its files). A run that was killed, a worker that died, a grading that failed or a
# submission changed since leave no record that matches, and the next run grades them again.

def submission_digest(folder: Path) -> str:
    """A digest of the files under ``folder`` (names and contents; '' when there is no folder)."""
    if not folder.is_dir():
        return ""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def _completed(record: Path) -> str | None:
    """The digest of the submission ``record`` says was graded, or None."""
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    return data.get("submission") if isinstance(data, dict) else None


def _complete(record: Path, digest: str) -> None:
    """Record, atomically, that the submission with ``digest`` was graded."""
    partial = record.with_suffix(".partial")
    partial.write_text(json.dumps({"submission": digest, "graded_at": time.time()}))
    os.replace(partial, record)


# -- the workers: see qkv_grader.workers ----------------------------------------------------------

def _run(executor: futures.Executor, jobs: list[workers.Job]
         ) -> t.Iterator[tuple[str, workers.Graded | BaseException]]:
    """Run ``jobs`` on ``executor``; yields (student, result or error) as each finishes."""
    started = {executor.submit(workers.grade, job): job.student for job in jobs}
    for future in futures.as_completed(started):
        try:
            yield started[future], future.result()
        except Exception as error:
            yield started[future], error


def _gradebook_rows(db_url: str, assignment: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {s.student.id: (float(s.score), float(s.max_score)) for s in gb.assignment_submissions(assignment)}


def _expected_notebooks(db_url: str, assignment: str) -> list[str]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            return sorted(f"{nb.name}.ipynb" for nb in gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            raise SystemExit(f"qkv-grade: the gradebook has no assignment '{assignment}': run "
                             f"'nbgrader generate_assignment {assignment}' first") from None


def _record_zero(db_url: str, assignment: str, student: str) -> None:
    """A gradebook submission for ``student`` whose every test scores 0 (nbgrader's own treatment
    of a missing notebook), for a submission with no notebook that can be graded."""
    import warnings

    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy autoflush warnings
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def summary_table(outcomes: list[Outcome], width: int = 160) -> str:
    """The end-of-run table (rich's): student, score, status, seconds, problems."""
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table("student", "score", "status", "seconds", "problems", box=None, show_edge=False)
    for o in outcomes:
        score = "-" if o.score is None else f"{o.score:g} / {o.max_score:g}"
        table.add_row(o.student, score, o.status, f"{o.seconds:.1f}", "; ".join(o.problems) or "-")
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, highlight=False).print(table)
    return out.getvalue().rstrip("\n")


def serial_fraction(outcomes: t.Iterable[Outcome]) -> float:
    """The share of grading time spent under the gradebook lock, which no second worker can
    overlap: with a fraction f, n workers are at most 1 / (f + (1 - f) / n) times faster."""
    done = [o for o in outcomes if o.seconds > 0]
    total = sum(o.seconds for o in done)
    return sum(o.locked for o in done) / total if total else 0.0


def grade_class(root: Path, assignment: str, *, students: list[str] | None = None,
                jobs: int | None = None, force: bool = False, feedback: bool = False,
                export: Path | None = None, db_url: str | None = None,
                cell_timeout: int | None = None, notebook_timeout: int | None = None,
                memory_gib: float | None = None, processes: int | None = None,
                progress: bool = True, config: dict[str, dict[str, t.Any]] | None = None,
                scheduler: str | None = None) -> list[Outcome]:
    """Autograde ``assignment`` for every submitted student (or ``students``) of the course at
    ``root``; returns one :class:`Outcome` per student, in name order. ``config``: more nbgrader
    configuration, by class (``{"SandboxedKernelManager": {"uid_base": 1200000}}``).
    ``scheduler``: the address of a Dask scheduler whose workers grade (``jobs`` is then theirs
    to decide); else ``jobs`` worker processes here (:mod:`qkv_grader.workers`)."""
    root = root.resolve()
    state = root / STATE_DIR / assignment
    log_dir = state / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    # the local workers start now, and import nbgrader while this process prepares the class
    pool = None if scheduler else workers.local_pool(min(jobs, len(students or []) or jobs), str(log_dir),
                                                   assignment)
    if pool is not None:
        pool.warm_up(assignment)
    try:
        return _grade_class(root, assignment, students, jobs, force, feedback, export, db_url,
                            cell_timeout, notebook_timeout, memory_gib, processes, progress, config,
                            scheduler, pool)
    except BaseException:
        if pool is not None:
            pool.stop()
        raise


def _grade_class(root: Path, assignment: str, students: list[str] | None, jobs: int, force: bool,
                 feedback: bool, export: Path | None, db_url: str | None, cell_timeout: int | None,
                 notebook_timeout: int | None, memory_gib: float | None, processes: int | None,
                 progress: bool, config: dict[str, dict[str, t.Any]] | None, scheduler: str | None,
                 pool: workers.LocalPool | None) -> list[Outcome]:
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    overrides: dict[str, dict[str, t.Any]] = {}
    coursedir = CourseDirectory(config=workers.load_config(root, {"CourseDirectory": {"root": str(root)}}))
    state = root / STATE_DIR / assignment
    staging = state / "submitted"
    log_dir = state / "logs"
    overrides["CourseDirectory"] = {"root": str(root), "submitted_directory": str(staging)}
    if db_url:
        overrides["CourseDirectory"]["db_url"] = db_url
    if cell_timeout is not None:
        overrides["Execute"] = {"timeout": int(cell_timeout)}
    if notebook_timeout is not None:
        overrides["SandboxedExecute"] = {"notebook_timeout": int(notebook_timeout)}
    km: dict[str, t.Any] = {}
    if memory_gib is not None:
        km["memory_limit"] = int(memory_gib * 1024**3)
    if processes is not None:
        km["process_limit"] = int(processes)
    if km:
        overrides["SandboxedKernelManager"] = km
    for section, values in (config or {}).items():
        overrides.setdefault(section, {}).update(values)
    from .execute import check_environment

    # once, before anything is staged or written: a kernel that does not see this package
    # would fail every student's imports cell (GradingSetupError, exit status EXIT_SETUP)
    # (a kernel started, not only its interpreter: a class run stops here, before any worker)
    check_environment(config=workers.load_config(root, overrides), kernel=True)
    db = db_url or coursedir.db_url
    submitted_root = root / coursedir.submitted_directory
    present = sorted(p.parent.name for p in submitted_root.glob(f"*/{assignment}") if p.is_dir())
    wanted = sorted(set(students)) if students else present
    expected = _expected_notebooks(db, assignment)

    outcomes = {s: Outcome(s) for s in wanted}
    with Gradebook(db) as gb:  # every student gets a row, whatever happens next
        for student in wanted:
            gb.update_or_create_student(student)
    todo = []
    done_dir = state / "graded"
    done_dir.mkdir(exist_ok=True)
    digests = {}
    for student in wanted:
        source = submitted_root / student / assignment
        if not source.is_dir():
            outcomes[student].problems.append("no submission")
        digests[student] = submission_digest(source)
        if not force and _completed(done_dir / f"{student}.json") == digests[student]:
            outcomes[student].status = "skipped"
            outcomes[student].problems.append("already graded (--force regrades)")
            continue
        (done_dir / f"{student}.json").unlink(missing_ok=True)
        dest = staging / student / assignment
        outcomes[student].problems += stage_submission(source, dest, expected)
        if any((dest / name).is_file() for name in expected):
            todo.append(student)
        else:  # nothing nbgrader could open: record the submission with every test at 0
            _record_zero(db, assignment, student)
            _complete(done_dir / f"{student}.json", digests[student])

    bar = tqdm(total=len(todo), unit="student", desc=assignment, file=sys.stderr) if progress and todo else None
    if scheduler:
        lock = ("dask", f"qkv-gradebook-{hashlib.sha256(db.encode()).hexdigest()[:16]}")
    else:
        lock = ("file", str(root / STATE_DIR / "gradebook.lock"))

    def job(student: str, after: int = 0, pool_size: int = 1) -> workers.Job:
        # a local worker starts a kernel ahead while it grades, where students are left for it
        # after those the other workers are grading (not on a Dask cluster: its workers outlive
        # the run)
        return workers.Job(str(root), overrides, assignment, student, feedback, str(log_dir), lock,
                           more=not scheduler and after >= pool_size)

    def finish(student: str, result: workers.Graded | BaseException) -> None:
        outcome = outcomes[student]
        if isinstance(result, BaseException):  # the student is reported, never lost
            ok = False
            outcome.problems.append(f"grading failed: {result.__class__.__name__}: {result}")
        else:
            ok, outcome.seconds, outcome.locked = result.ok, result.seconds, result.locked
        if ok:
            _complete(done_dir / f"{student}.json", digests[student])
        else:
            outcome.status = "failed"
            outcome.problems.append(f"nbgrader reported an error: see {log_dir / (student + '.log')}")
        outcome.problems += problems_in(root / "autograded" / student / assignment)
        if bar:
            bar.set_postfix_str(student, refresh=False)
            bar.update()

    # A local worker process that dies (not a kernel: the grader itself) breaks the whole pool;
    # the students it had not finished are graded again once, in a fresh pool. (A Dask cluster
    # reschedules the tasks of a worker that died on its own.)
    for attempt in (1, 2):
        if not todo:
            break
        broken = []
        if scheduler:
            executor: t.Any = workers.dask_cluster(scheduler)
        elif attempt == 1 and pool is not None:
            executor = pool
        else:
            executor = workers.local_pool(min(jobs, len(todo)), str(log_dir), assignment)
        try:
            size = getattr(executor, "_max_workers", 1)
            for student, result in _run(executor, [job(s, len(todo) - i - 1, size) for i, s in enumerate(todo)]):
                if isinstance(result, BrokenProcessPool) and attempt == 1:
                    broken.append(student)
                else:
                    finish(student, result)
        except BaseException:  # Ctrl-C, SIGTERM: nothing left running (graded students are recorded)
            executor.stop()
            if bar:
                bar.close()
            raise
        executor.shutdown()
        todo = broken

    if pool is not None:
        pool.shutdown()  # (unused when nobody needed grading)
    if bar:
        bar.close()
    rows = _gradebook_rows(db, assignment)
    for student, outcome in outcomes.items():
        if student in rows:
            outcome.score, outcome.max_score = rows[student]
    if export is not None:
        _export(root, overrides, export)
    result = [outcomes[s] for s in wanted]
    (state / "report.json").write_text(json.dumps([o.as_dict() for o in result], indent=1))
    return result


def _export(root: Path, overrides: dict[str, dict[str, t.Any]], path: Path) -> None:
    """nbgrader's own ``export`` (every student and assignment of the gradebook) to ``path``."""
    import subprocess

    args = [sys.executable, "-m", "nbgrader", "export", f"--to={path.resolve()}",
            f"--CourseDirectory.root={root}"]
    if overrides.get("CourseDirectory", {}).get("db_url"):
        args.append(f"--CourseDirectory.db_url={overrides['CourseDirectory']['db_url']}")
    proc = subprocess.run(args, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{proc.stdout}{proc.stderr}")


def _interrupt_on(*signals: int) -> None:
    """Stop on these signals as on Ctrl-C: the workers, their kernels and scratch directories go."""
    def interrupt(signum: int, frame: t.Any) -> t.NoReturn:
        raise KeyboardInterrupt(f"signal {signum}")

    for number in signals:
        signal.signal(number, interrupt)


#: qkv-grade's exit statuses.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SETUP, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def main(argv: list[str] | None = None) -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("qkv-course")
    except PackageNotFoundError:
        installed = "unknown (not installed)"
    parser = argparse.ArgumentParser(
        prog="qkv-grade", description="Autograde an assignment for a whole class in parallel "
        "(nbgrader underneath). Run from the course root.",
        epilog=f"exit status: {EXIT_OK} every student was graded (or skipped as graded already); "
        f"{EXIT_FAILED} grading failed for at least one student (the report names them); "
        f"{EXIT_USAGE} bad arguments or no course here, nothing graded; {EXIT_SETUP} the grading setup is "
        f"broken (e.g. the grading kernel does not see this qkv_course), nothing graded; "
        f"{EXIT_INTERRUPTED} interrupted "
        "(Ctrl-C, SIGTERM): what was graded is recorded, the next run grades the rest.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed}")
    parser.add_argument("assignment", help="assignment name, e.g. ps01_search")
    parser.add_argument("--students", help="comma-separated student ids (default: every submission)")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="parallel kernels (default: cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="grade on the workers of this Dask "
                        "scheduler, e.g. tcp://10.0.0.5:8786 (needs the grader extra's distributed; "
                        "the course root at the same path on every worker)")
    parser.add_argument("--force", action="store_true", help="regrade students already graded")
    parser.add_argument("--feedback", action="store_true", help="then run nbgrader's feedback step")
    parser.add_argument("--export", type=Path, metavar="CSV", help="then export grades to this CSV")
    parser.add_argument("--db-url", help="gradebook URL, e.g. postgresql+psycopg2://user@host/db (default: nbgrader's)")
    parser.add_argument("--cell-timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    parser.add_argument("--notebook-timeout", type=int, help="seconds per notebook")
    parser.add_argument("--memory", type=float, metavar="GIB", help="memory cap per kernel, GiB")
    parser.add_argument("--processes", type=int, help="process/thread cap per kernel")
    parser.add_argument("--course", type=Path, default=Path("."), help="course root (default: .)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("nbgrader") is None:
        parser.error("nbgrader is not installed: qkv-grade is the grader's side of the course; "
                     "install it with `pip install qkv-course[grader]`")
    if not (args.course / "nbgrader_config.py").exists() and not (args.course / "gradebook.db").exists():
        parser.error(f"{args.course.resolve()} has no nbgrader_config.py: run qkv-grade from the course root")
    students = [s.strip() for s in args.students.split(",") if s.strip()] if args.students else None
    if not args.scheduler:
        # the local workers' fork server imports torch, nbgrader and the checks (seconds) while
        # this process imports its own and checks the setup
        workers.start_fork_server(args.assignment)
    from .execute import GradingSetupError

    _interrupt_on(signal.SIGTERM, signal.SIGHUP)
    try:
        outcomes = grade_class(args.course, args.assignment, students=students, jobs=args.jobs,
                               force=args.force, feedback=args.feedback, export=args.export,
                               db_url=args.db_url, cell_timeout=args.cell_timeout,
                               notebook_timeout=args.notebook_timeout, memory_gib=args.memory,
                               processes=args.processes, progress=not args.quiet,
                               scheduler=args.scheduler)
    except GradingSetupError as error:
        print(f"qkv-grade: the grading setup is broken, nothing was graded: {error}", file=sys.stderr)
        return EXIT_SETUP
    except KeyboardInterrupt:
        print("qkv-grade: interrupted; the students graded so far are recorded, and running the same "
              "command again grades the others", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(summary_table(outcomes))
    seconds = sum(o.seconds for o in outcomes)
    if seconds > 0:
        print(f"\nunder the gradebook lock: {sum(o.locked for o in outcomes):.1f} s of {seconds:.1f} s "
              f"grading ({serial_fraction(outcomes):.1%}, the serial fraction)")
    graded = sum(o.status == "graded" for o in outcomes)
    failed = [o.student for o in outcomes if o.status == "failed"]
    print(f"\n{graded} graded, {sum(o.status == 'skipped' for o in outcomes)} skipped, "
          f"{len(failed)} failed" + (f" ({', '.join(failed)})" if failed else "") +
          f"; report: {args.course / STATE_DIR / args.assignment / 'report.json'}")
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
