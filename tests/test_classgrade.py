"""``qkv-grade`` (qkv_grader/classgrade.py) and the pieces under it.

* the same grades as serial ``nbgrader autograde``, cell by cell, on a synthetic class
  (tests/synthetic_class.py), and a consistent SQLite gradebook after parallel grading;
* re-running is a no-op, ``--force`` regrades to the same grades, ``--feedback`` and ``--export``
  run nbgrader's own steps, ``--students`` grades a subset, the command line's report;
* the sandbox: the kernel cannot see the course, has no network, runs as an unprivileged id with
  the limits; the launcher sets them;
* staging, the report's problem list, and RestoreCells on deleted, duplicated, re-typed and
  metadata-stripped cells.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest
from jupyter_core.utils import run_sync

import synthetic_class
from nbgrader_course import REPO, make_course, run_nbgrader
from qkv_grader import classgrade, workers
from qkv_grader.sandbox import scratch_owner
from qkv_grader.catalog import graded_items
from qkv_grader.restore import restore_cells
from qkv_grader.sandbox import LAUNCHER, bwrap_available

needs_bwrap = pytest.mark.skipif(not bwrap_available() and os.environ.get("CI") != "true",
                                 reason="bubblewrap is not installed (scripts/system_packages.sh installs it)")


#: ps01's points, read from its source notebook: in all, and per test cell (notebook/grade_id)
_PS01 = [i for i in graded_items(REPO / "solutions") if i.assignment == "ps01_search"]
PS01_POINTS = float(sum(i.total for i in _PS01))
PS01_CELL_POINTS = {f"search/test_{i.function}_{kind}": float(getattr(i, kind))
                    for i in _PS01 for kind in ("visible", "hidden")}


def _cell_grades(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    return synthetic_class.cell_grades(f"sqlite:///{course / 'gradebook.db'}", assignment)


# -- parallel = serial -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """One synthetic class of ps01_search, graded twice: serial nbgrader and qkv-grade -j 2."""
    serial = synthetic_class.course_with(tmp_path_factory.mktemp("serial"), ["ps01_search"])
    students = synthetic_class.submissions(serial, "ps01_search", 12)
    synthetic_class.submit(serial, "ps01_search", students)
    parallel = tmp_path_factory.mktemp("parallel")
    shutil.copytree(serial, parallel, dirs_exist_ok=True)
    run_nbgrader(serial, "autograde", "ps01_search")
    before = _scratch_directories()
    outcomes = classgrade.grade_class(parallel, "ps01_search", jobs=2, progress=False)
    # the workers started kernels ahead while they graded, and stopped the last ones on leaving
    left = [p for p in _scratch_directories() - before if not psutil.pid_exists(scratch_owner(p) or -1)]
    assert not left, left
    return serial, parallel, students, outcomes


def _scratch_directories() -> set[Path]:
    import tempfile

    from qkv_grader.sandbox import SCRATCH_PREFIX

    return set(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"))



_LOCK_SCOPE = r"""
import sys, threading
from nbgrader.api import Gradebook
from qkv_grader import workers

events = []

class Inner:
    def acquire(self): events.append("acquire")
    def release(self): events.append("release")

lock = workers.GradebookLock(Inner())
workers.serialise_gradebook(lock)
url = "sqlite:///" + sys.argv[1]
with Gradebook(url) as gb:                      # a new gradebook: its tables are written
    gb.add_assignment("a")
events.clear()
writer, reader = Gradebook(url), Gradebook(url)
reader.find_assignment("a"); reader.db.commit()
assert events == [], ("a read took the lock", events)
writer.add_student("s1")                        # committed: taken and handed back
assert events == ["acquire", "release"], events
writer.db.add(writer.db.merge(writer.find_student("s1"))); writer.find_student("s1").first_name = "A"
writer.db.flush()                               # a write transaction left open ...
assert events[-1] == "acquire" and lock._holders, events
done = []
threading.Thread(target=lambda: done.append(reader.find_student("s1").first_name)).start()
import time; time.sleep(0.5)
assert done == [None], ("a reader waited for the writer, or saw uncommitted data", done)
writer.db.rollback()                            # ... ends with its rollback
assert events[-1] == "release" and not lock._holders, events
writer.db.execute(__import__("sqlalchemy").text("UPDATE student SET last_name = 'B'"))
writer.close()                                  # a transaction the gradebook's end rolls back
assert events[-2:] == ["acquire", "release"] and not lock._holders, events
reader.close()
import sqlite3
assert sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
print("ok", lock.held >= 0)
"""


def test_a_locked_gradebook_is_waited_for_when_a_worker_connects(tmp_path):
    """A worker's new SQLite connection reads the journal mode and sets write-ahead logging only
    where it is not set yet (setting it fails at once, without waiting, while another worker
    writes); a "locked" or "busy" answer is tried again for a while, any other error is not."""
    import sqlite3

    attempts = []

    def locked_twice():
        attempts.append(1)
        if len(attempts) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "wal"

    assert workers._locked_retry(locked_twice) == "wal" and len(attempts) == 3
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        workers._locked_retry(lambda: (attempts.append(1), sqlite3.connect(":memory:").execute("select * from nope")))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        workers._locked_retry(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")), seconds=0.2)

    script = r"""
import sqlite3, sys
from sqlalchemy import create_engine, text
from qkv_grader import workers
workers._sqlite_without_fsync_per_commit()
seen = []
real = sqlite3.connect
def connect(*args, **kwargs):
    connection = real(*args, **kwargs)
    connection.set_trace_callback(seen.append)
    return connection
sqlite3.connect = sqlite3.dbapi2.connect = connect
for _ in range(2):
    engine = create_engine(f"sqlite:///{sys.argv[1]}")
    with engine.connect() as c:
        mode = c.execute(text("PRAGMA journal_mode")).scalar()
    engine.dispose()
print(mode, [s for s in seen if s.upper().startswith("PRAGMA JOURNAL_MODE")])
"""
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "gradebook.db")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # the first connection finds the default mode and sets WAL; the second only reads it
    assert out.stdout.split(" ", 1) == ["wal", "['PRAGMA journal_mode', 'PRAGMA journal_mode=WAL', "
                                        "'PRAGMA journal_mode', 'PRAGMA journal_mode', 'PRAGMA journal_mode']\n"], out.stdout


def test_local_workers_are_forked_with_the_checks_loaded_and_this_runs_environment(tmp_path):
    """qkv_grader.workers.LocalPool: its workers come from a fork server that imported the
    assignment's checks (torch among them) once; each worker still has the environment of the
    moment its pool was made (not the server's, made with the first pool) and its share of the
    cores for torch and BLAS (limited after the fact: both were loaded before it existed)."""
    script = r"""
import json, os, sys
sys.path.insert(0, sys.argv[2])
import pool_probe
from qkv_grader import workers

if __name__ == "__main__":
    seen = []
    for value, threads in (("first", None), ("second", "1")):
        os.environ["QKV_PROBE"] = value
        if threads:
            os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = threads
        pool = workers.LocalPool(2, sys.argv[1], "ps03_projections")
        seen.append(pool.submit(pool_probe.state).result(timeout=300))
        pool.shutdown()
    print(json.dumps({"main": os.getpid(), "seen": seen}))
"""
    tests = str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path), tests],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    first, second = report["seen"]
    share = max(1, (os.cpu_count() or 1) // 2)
    assert first["QKV_PROBE"] == "first" and second["QKV_PROBE"] == "second"
    assert first["torch_preloaded"] and second["torch_preloaded"]
    assert first["parent"] == second["parent"] != report["main"]  # the one fork server
    assert first["torch_threads"] == share and set(first["blas_threads"]) <= {share}
    assert second["torch_threads"] == 1 and set(second["blas_threads"]) <= {1}


def test_the_gradebook_lock_is_held_only_by_transactions_that_write(tmp_path):
    """qkv_grader.workers.serialise_gradebook: a worker takes the gradebook lock at the first
    statement that writes and hands it back when the transaction commits or rolls back (or the
    gradebook closes), never for reads; a reader does not wait for an open write transaction, and
    sees only committed data (SQLite in write-ahead-log mode). Run in a fresh interpreter: the
    hooks are for a worker process's life."""
    out = subprocess.run([sys.executable, "-c", _LOCK_SCOPE, str(tmp_path / "gradebook.db")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert out.returncode == 0 and out.stdout.startswith("ok"), out.stdout + out.stderr


@needs_bwrap
class TestSameAsSerial:
    assignment = "ps01_search"

    def test_every_cell_has_the_same_grade(self, courses):
        serial, parallel, students, _ = courses
        expected = _cell_grades(serial, self.assignment)
        assert set(expected) == set(students)
        assert _cell_grades(parallel, self.assignment) == expected

    def test_the_class_is_not_all_one_grade(self, courses):
        grades = {sum(cells.values()) for cells in _cell_grades(courses[0], self.assignment).values()}
        assert len(grades) >= 3, "a class of identical grades would not show a difference"

    def test_outcomes_report_the_gradebook(self, courses):
        _, parallel, students, outcomes = courses
        totals = {s: sum(c.values()) for s, c in _cell_grades(parallel, self.assignment).items()}
        assert {o.student: o.score for o in outcomes} == totals
        assert all(o.status == "graded" for o in outcomes)

    def test_gradebook_is_consistent(self, courses):
        parallel = courses[1]
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{parallel / 'gradebook.db'}") as gb:
            subs = gb.assignment_submissions(self.assignment)
            assert len(subs) == len({s.student.id for s in subs}) == len(courses[2])
            for sub in subs:
                assert [nb.name for nb in sub.notebooks] == ["search"]
                assert all(g.auto_score is not None for nb in sub.notebooks for g in nb.grades)
        out = subprocess.run(["sqlite3", str(parallel / "gradebook.db"), "PRAGMA integrity_check"],
                             capture_output=True, text=True) if shutil.which("sqlite3") else None
        if out is not None:
            assert out.stdout.strip() == "ok"

    def test_rerun_skips_and_force_regrades_the_same(self, courses):
        _, parallel, students, _ = courses
        before = _cell_grades(parallel, self.assignment)
        again = classgrade.grade_class(parallel, self.assignment, jobs=2, progress=False)
        assert {o.status for o in again} == {"skipped"}
        some = sorted(students)[:3]
        forced = classgrade.grade_class(parallel, self.assignment, jobs=2, progress=False,
                                        students=some, force=True)
        assert [o.student for o in forced] == some and {o.status for o in forced} == {"graded"}
        assert _cell_grades(parallel, self.assignment) == before


@needs_bwrap
def test_command_line_feedback_and_export(tmp_path):
    course = synthetic_class.course_with(tmp_path / "course", ["ps01_search"])
    students = synthetic_class.submissions(course, "ps01_search", 3)
    synthetic_class.submit(course, "ps01_search", students)
    (course / "submitted" / "late" / "ps01_search").mkdir(parents=True)  # an empty folder
    proc = subprocess.run([str(Path(sys.executable).parent / "qkv-grade"), "ps01_search", "--jobs", "2",
                           "--feedback", "--export", "grades.csv", "--quiet"],
                          cwd=course, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout
    assert "student" in table and "score" in table and "problems" in table
    assert "late" in table and "ungradable: search.ipynb is missing" in table
    assert "4 graded, 0 skipped, 0 failed" in table
    for student in students:
        assert (course / "feedback" / student / "ps01_search" / "search.html").exists()
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert set(rows) == set(students) | {"late"} and rows["late"] == 0.0
    assert max(rows.values()) == PS01_POINTS


def test_command_line_refuses_outside_a_course(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "qkv_grader.classgrade", "ps01_search"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "nbgrader_config.py" in proc.stderr


# -- the sandbox -------------------------------------------------------------------------------

def _run_kernel_code(code: str, cwd: Path, **limits) -> str:
    """Run ``code`` in a sandboxed kernel (as the autograder starts it); its stdout."""
    from nbclient import NotebookClient

    from qkv_grader.sandbox import SandboxedKernelManager

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    km = SandboxedKernelManager(kernel_name="python3", **limits)
    NotebookClient(nb, km=km, timeout=60, allow_errors=True, resources={"metadata": {"path": str(cwd)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream") + "".join(
        f"{o.ename}: {o.evalue}" for o in nb.cells[0].outputs if o.output_type == "error")


@needs_bwrap
def test_sandboxed_kernel_sees_no_course_no_network_and_runs_unprivileged(tmp_path):
    (tmp_path / "data.txt").write_text("assignment data")
    (tmp_path / "secret.ipynb").write_text("hidden tests")
    out = _run_kernel_code(f'''
import os, socket, resource
print("uid", os.getuid())
print("solutions", os.path.exists({str(REPO / "solutions")!r}), os.path.exists({str(REPO / "gradebook.db")!r}))
print("data", open("data.txt").read(), "notebook", os.path.exists("secret.ipynb"))
print("package", __import__("qkv_course").__file__.startswith({str(REPO)!r}))
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:3])
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2); print("network yes")
except OSError:
    print("network no")
print("limits", resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_NPROC)[0])
try:
    open({str(REPO / "README.md")!r}, "a")
except OSError as e:
    print("write", type(e).__name__)
import sys, ipykernel.debugger
try:
    import debugpy
except ImportError as e:
    print("debugpy", e, ipykernel.debugger._is_debugpy_available, "debugpy" in sys.modules)
''', tmp_path, memory_limit=3 * 1024**3, process_limit=77)
    uid = int(out.split("uid ")[1].split()[0])
    assert uid >= 200000, out
    assert "solutions False False" in out
    assert "data assignment data notebook False" in out  # data files come along, notebooks do not
    assert "package True" in out
    assert "pids [1, 2" in out  # its own PID namespace
    assert "network no" in out
    assert f"limits {3 * 1024**3} 77" in out
    assert "write" in out and "write None" not in out
    # ipykernel's debugger is not there (grading never uses it, and it is a tenth of a start)
    assert "debugpy debugpy, the debugger, is not available in the grading kernel False False" in out


def test_launcher_sets_limits_and_execs(tmp_path):
    code = "import resource as r; print(r.getrlimit(r.RLIMIT_AS)[0], r.getrlimit(r.RLIMIT_CPU)[0], r.getrlimit(r.RLIMIT_CORE)[0])"
    proc = subprocess.run([sys.executable, "-I", LAUNCHER, "--memory=2147483648", "--cpu=30", "--processes=0",
                           f"--uid={os.getuid()}", "--", sys.executable, "-c", code],
                          capture_output=True, text=True, env=dict(os.environ, HOME=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2147483648", "30", "0"]


# -- staging, report, restoring cells -------------------------------------------------------------

def test_stage_submission_copies_regular_files_and_reports(tmp_path, monkeypatch):
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    (src / "search.ipynb").write_text(nbformat.writes(nb))
    (src / "notes.txt").write_text("mine")
    (src / "link").symlink_to("/etc/passwd")
    assert classgrade.stage_submission(src, dest, ["search.ipynb"]) == ["link: a symbolic link, not copied"]
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt", "search.ipynb"]
    (src / "search.ipynb").write_text('{"cells": [')
    problems = classgrade.stage_submission(src, dest, ["search.ipynb", "other.ipynb"])
    assert any("search.ipynb is not valid JSON" in p for p in problems)
    assert "ungradable: other.ipynb is missing" in problems
    assert not (dest / "search.ipynb").exists()
    (src / "search.ipynb").write_text('{"cells": "no"}')
    assert any("not a notebook" in p for p in classgrade.stage_submission(src, dest, ["search.ipynb"]))
    (src / "search.ipynb").write_text(nbformat.writes(nbformat.convert(nb, 3)))
    (src / "numpy.py").write_text("fake")
    (src / "qkv_course" / "grading").mkdir(parents=True)
    (src / "qkv_course" / "__init__.py").write_text("fake")
    (src / "qkv_course" / "grading" / "ps01.py").write_text("fake")
    assert classgrade.stage_submission(src, dest, ["search.ipynb"]) == [
        "link: a symbolic link, not copied", "numpy.py: a Python module, not copied",
        "qkv_course/: a Python package, not copied"]
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt", "search.ipynb"]
    assert json.loads((dest / "search.ipynb").read_text())["nbformat"] == 4  # upgraded from 3
    huge = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x") for _ in range(classgrade.MAX_CELLS + 1)])
    (src / "search.ipynb").write_text(nbformat.writes(huge))
    assert any(p.startswith(f"ungradable: search.ipynb has {classgrade.MAX_CELLS + 1} cells")
               for p in classgrade.stage_submission(src, dest, ["search.ipynb"]))
    assert not (dest / "search.ipynb").exists()
    monkeypatch.setattr(classgrade, "MAX_NOTEBOOK_BYTES", 2 * 1024**2)
    (src / "search.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("x" * 3 * 1024**2)])))
    assert "ungradable: search.ipynb is 3 MiB, more than the 2 MiB a submitted notebook may be (clear " \
           "its outputs and hand it in again)" in classgrade.stage_submission(src, dest, ["search.ipynb"])
    assert not (dest / "search.ipynb").exists()
    (src / "search.ipynb").unlink()
    (src / "Search (2).ipynb").write_text(nbformat.writes(nb))
    assert classgrade.stage_submission(src, dest, ["search.ipynb"])[-1] == (
        "ungradable: search.ipynb is missing (found Search (2).ipynb: renamed?)")


def test_stage_submission_caps_the_files_beside_the_notebooks(tmp_path, monkeypatch):
    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "data").mkdir(parents=True)
    (src / "search.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    monkeypatch.setattr(classgrade, "EXTRA_FILES", 4)
    monkeypatch.setattr(classgrade, "EXTRA_BYTES", 1000)
    for k in range(8):
        (src / "data" / f"{k}.txt").write_bytes(b"x" * 100)
    problems = classgrade.stage_submission(src, dest, ["search.ipynb"])
    assert problems == ["4 file(s) past the cap on files handed in beside the notebooks (4 files, 0 MiB "
                        "in all), not copied: data/4.txt, data/5.txt, data/6.txt and 1 more"]
    assert sorted(p.name for p in (dest / "data").iterdir()) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    assert (dest / "search.ipynb").is_file()  # the notebook never counts against the cap
    monkeypatch.setattr(classgrade, "EXTRA_FILES", 100)   # now the bytes decide
    (src / "data" / "big.bin").write_bytes(b"x" * 500)    # sorts after the eight: 1300 bytes
    problems = classgrade.stage_submission(src, dest, ["search.ipynb"])
    assert sorted(p.name for p in (dest / "data").iterdir()) == [f"{k}.txt" for k in range(8)]
    assert problems == ["1 file(s) past the cap on files handed in beside the notebooks (100 files, 0 MiB "
                        "in all), not copied: data/big.bin"]


def test_plain_nbgrader_grades_a_staged_copy(tmp_path):
    """Plain `nbgrader autograde` with the course's config: links in a submission are not followed
    (nothing of the gradebook, the solutions or a classmate reaches the autograded folder), a
    Python module beside the notebook is left out, both are logged, submitted/ is unchanged and
    the notebook is graded."""
    course = make_course(tmp_path, "ps01_search")
    run_nbgrader(course, "generate_assignment", "ps01_search", "--force")
    correct = (REPO / "solutions" / "ps01_search" / "search.ipynb").read_bytes()
    mine = course / "submitted" / "mallory" / "ps01_search"
    mine.mkdir(parents=True)
    (mine / "search.ipynb").write_bytes(correct)
    (mine / "gradebook.db").symlink_to(course / "gradebook.db")
    (mine / "answers").symlink_to(course / "solutions" / "ps01_search")
    (mine / "numpy.py").write_text("raise SystemExit('fake numpy')\n")
    (mine / "notes.txt").write_text("mine")
    before = sorted((str(p.relative_to(mine)), p.is_symlink()) for p in mine.rglob("*"))
    proc = run_nbgrader(course, "autograde", "ps01_search")
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = proc.stdout + proc.stderr
    for problem in ("gradebook.db: a symbolic link, not copied", "answers: a symbolic link, not copied",
                    "numpy.py: a Python module, not copied"):
        assert f"mallory/ps01_search: {problem}" in log
    graded = course / "autograded" / "mallory" / "ps01_search"
    assert sorted(p.name for p in graded.iterdir()) == ["notes.txt", "search.ipynb"]
    assert sorted((str(p.relative_to(mine)), p.is_symlink()) for p in mine.rglob("*")) == before
    # every test cell at its full points (a question's visible test, of its form, has none)
    assert _cell_grades(course, "ps01_search")["mallory"] == PS01_CELL_POINTS


def test_problems_in_reads_the_autograded_outputs(tmp_path):
    """Problems travel as data: error types of cells, and the execute step's record of why it
    stopped (notebook metadata), never the wording of a message."""
    from qkv_grader.execute import METADATA, STOPPED, STOPS, UNCONFIRMED

    def error(ename, evalue=""):
        return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a", outputs=[error("CellTimeoutError")]),
        nbformat.v4.new_code_cell("b", outputs=[error("CellTimeoutError"), error("MemoryError")]),
        nbformat.v4.new_code_cell("c", outputs=[error(STOPPED, "not graded: any words at all")]),
        nbformat.v4.new_code_cell("d", outputs=[error(UNCONFIRMED)]),
        nbformat.v4.new_code_cell("e", outputs=[error("FeedbackError", "time limit in all")]),
    ])
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert classgrade.problems_in(tmp_path) == [
        "x.ipynb: cell timeout (2 cells)", "x.ipynb: memory error", "x.ipynb: test did not run as written"]
    for kind in STOPS:
        nb.metadata[METADATA] = {"stopped": kind.value}
        nbformat.write(nb, tmp_path / "x.ipynb")
        assert classgrade.problems_in(tmp_path)[-1] == f"x.ipynb: {kind.value}"
    nb.metadata[METADATA] = {"stopped": "something made up"}
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert len(classgrade.problems_in(tmp_path)) == 3


def test_summary_table_has_a_row_per_student():
    table = classgrade.summary_table([classgrade.Outcome("ann", score=3, max_score=11, seconds=1.25),
                                      classgrade.Outcome("bo", status="skipped", problems=["x", "y"])])
    lines = table.splitlines()
    assert lines[0].split() == ["student", "score", "status", "seconds", "problems"]
    assert lines[1].split()[:5] == ["ann", "3", "/", "11", "graded"] and lines[2].rstrip().endswith("x; y")


def test_qkv_grade_says_its_version_and_exit_statuses(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stop:
        classgrade.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"qkv-grade {version('qkv-course')}"
    with pytest.raises(SystemExit):
        classgrade.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 every student was graded" in text and "1 grading failed" in text
    with pytest.raises(SystemExit) as stop:
        classgrade.main(["ps01_search", "--course", "/nonexistent"])
    assert stop.value.code == classgrade.EXIT_USAGE


def _release() -> nbformat.NotebookNode:
    return nbformat.read(REPO / "notebooks" / "ps01_search" / "search.ipynb", as_version=4)


def _ids(nb: nbformat.NotebookNode) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id", "-") for c in nb.cells]


def test_restore_cells_brings_back_deleted_retyped_and_stripped_cells():
    release = _release()
    answered = copy.deepcopy(release)
    for cell in answered.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = f"# answer {cell.metadata.nbgrader.grade_id}"
    # deleted tests, a test re-typed as markdown, an own cell, then every cell's metadata stripped
    nb = copy.deepcopy(answered)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_dot_scores_hidden"]
    retyped = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_hard_lookup_visible")
    retyped.cell_type = "markdown"
    after_answer = _ids(nb).index("dot_scores") + 1            # the student's own cell, after an answer
    nb.cells.insert(after_answer, nbformat.v4.new_code_cell("def helper():\n    return 1"))
    stripped = copy.deepcopy(nb)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    for submitted in (nb, stripped):
        restored = restore_cells(submitted, release)
        assert [i for i in _ids(restored) if i != "-"] == [i for i in _ids(release) if i != "-"]
        by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in restored.cells}
        assert by_id["dot_scores"].source == "# answer dot_scores"
        assert by_id["test_hard_lookup_visible"].cell_type == "code"
        helper = [c for c in restored.cells if c.source.startswith("def helper")]
        assert len(helper) == 1 and "nbgrader" not in helper[0].metadata
        position = restored.cells.index(helper[0])
        assert _ids(restored)[position - 1] == "dot_scores"  # kept after the cell it followed


def test_restore_cells_keeps_the_first_of_duplicates_and_never_the_students_test_source():
    release = _release()
    nb = copy.deepcopy(release)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dot_scores_visible")
    test.source = "pass"
    twin = copy.deepcopy(test)
    twin["id"] = "twin"
    nb.cells.insert(nb.cells.index(test) + 1, twin)
    restored = restore_cells(nb, release)
    graded = [c for c in restored.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dot_scores_visible"]
    assert len(graded) == 1 and graded[0].source != "pass"  # the release's source
    assert sum(c.source == "pass" for c in restored.cells) == 1  # the twin, as an ordinary cell
    ids = [c.get("id") for c in restored.cells]
    assert len(ids) == len(set(ids))


def test_restore_cells_treats_malformed_metadata_as_ordinary_cells():
    release = _release()
    nb = copy.deepcopy(release)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "dot_scores")
    answer.source = "# my dot_scores"
    answer.metadata.nbgrader["grade_id"] = ["dot_scores"]  # matched by its cell id instead
    for meta in ({"grade_id": {"a": 1}, "grade": True}, {"grade_id": 7, "points": "nine"}, [1], "x"):
        cell = nbformat.v4.new_code_cell("odd = 1")
        cell.metadata["nbgrader"] = meta
        nb.cells.append(cell)
    nb.cells.append(nbformat.from_dict({"cell_type": "code", "source": ["odd", " = 2"], "metadata": [],
                                        "outputs": [], "execution_count": None, "id": 5}))
    restored = restore_cells(nb, release)
    assert [i for i in _ids(restored) if i != "-"] == [i for i in _ids(release) if i != "-"]
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in restored.cells}
    assert by_id["dot_scores"].source == "# my dot_scores"
    odd = [c for c in restored.cells if c.source.startswith("odd")]
    assert len(odd) == 5 and all(c.metadata == {} for c in odd)


@needs_bwrap
def test_the_kernel_never_imports_from_its_working_directory(tmp_path):
    (tmp_path / "numpy.py").write_text("raise ImportError('the fake numpy beside the notebook')\n")
    (tmp_path / "qkv_course").mkdir()
    (tmp_path / "qkv_course" / "__init__.py").write_text("raise ImportError('the fake qkv_course')\n")
    (tmp_path / "helper.py").write_text("X = 1\n")
    out = _run_kernel_code('''
import os, sys
print("path", [p for p in sys.path if p in ("", ".") or os.path.abspath(p) == os.getcwd()])
import numpy, qkv_course
print("numpy", numpy.__file__.startswith(os.getcwd()), "qkv_course", qkv_course.__file__.startswith(os.getcwd()))
try:
    import helper
except ImportError:
    print("helper not importable")
''', tmp_path)
    assert "path []" in out and "numpy False qkv_course False" in out and "helper not importable" in out, out


@needs_bwrap
def test_the_output_cap_counts_every_message_of_the_notebook(tmp_path):
    """Display updates (which nbclient applies itself), streams, displays, results and errors all
    count against one cap per notebook; past it, outputs are dropped with a note."""
    from qkv_grader.execute import SandboxedExecute

    cells = ["from IPython.display import display\nh = display('x', display_id=True)\n"
             "for _ in range(3):\n    h.update('u' * 400_000)",  # 1.2 MB of updates
             "print('p' * 300_000)", "display('d' * 300_000)", "'r' * 300_000",
             "raise ValueError('e' * 300_000)", "print('small')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    execute = SandboxedExecute(output_limit=1_000_000, timeout=60, allow_errors=True)
    nb, _ = execute.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    size = len(json.dumps([c.outputs for c in nb.cells]))
    assert size < 1_000_000, size
    notes = [i for i, c in enumerate(nb.cells)
             if any("was dropped by the grader" in o.get("text", "") for o in c.outputs)]
    assert notes == [0, 1, 2, 3, 4, 5]  # the updates went past the cap: nothing after them is kept
    assert "u" * 400_000 in json.dumps(nb.cells[0].outputs)  # the first two updates fitted
    error = [o for o in nb.cells[4].outputs if o.output_type == "error"]
    assert error and error[0].ename == "ValueError"  # still an error (from the reply), clipped


@needs_bwrap
def test_a_mismatched_environment_stops_grading_with_a_clear_error(tmp_path):
    """The grader imports another copy of qkv_course than the grading kernel can (PYTHONPATH):
    plain nbgrader and qkv-grade both stop before writing a grade, name both packages, and exit
    non-zero; nobody is graded 0."""
    alt = tmp_path / "alt"
    shutil.copytree(REPO / "qkv_course", alt / "qkv_course")
    course = make_course(tmp_path / "course", "ps01_search")
    run_nbgrader(course, "generate_assignment", "ps01_search", "--force")
    mine = course / "submitted" / "alice" / "ps01_search"
    mine.mkdir(parents=True)
    (mine / "search.ipynb").write_bytes((REPO / "solutions" / "ps01_search" / "search.ipynb").read_bytes())
    env = dict(os.environ, PYTHONPATH=str(alt), PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    plain = subprocess.run(["nbgrader", "autograde", "ps01_search"], cwd=course, env=env,
                           capture_output=True, text=True, timeout=600)
    assert plain.returncode != 0
    assert f"the grader uses {alt / 'qkv_course' / '__init__.py'}" in plain.stdout + plain.stderr
    qkv = subprocess.run([str(Path(sys.executable).parent / "qkv-grade"), "ps01_search", "--quiet"],
                         cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert qkv.returncode == classgrade.EXIT_SETUP, qkv.stdout + qkv.stderr
    assert "the grading setup is broken, nothing was graded" in qkv.stderr
    assert not (course / "autograded").exists()
    assert _cell_grades(course, "ps01_search").get("alice") in (None, {})


@needs_bwrap
def test_a_kernel_that_cannot_start_stops_plain_grading_with_a_clear_error(tmp_path):
    """The kernel's Python runs and sees the course (the run's quick check passes), but no kernel
    can start: here one process or thread per kernel, while ipykernel needs several. Plain
    nbgrader stops every notebook with the setup error (the second without starting a kernel),
    exits non-zero, and scores nobody 0."""
    course = make_course(tmp_path / "course", "ps01_search")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxedKernelManager.process_limit = 1\n")
    run_nbgrader(course, "generate_assignment", "ps01_search", "--force")
    for student in ("alice", "bob"):
        mine = course / "submitted" / student / "ps01_search"
        mine.mkdir(parents=True)
        (mine / "search.ipynb").write_bytes((REPO / "solutions" / "ps01_search" / "search.ipynb").read_bytes())
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    plain = subprocess.run(["nbgrader", "autograde", "ps01_search"], cwd=course, env=env,
                           capture_output=True, text=True, timeout=600)
    log = plain.stdout + plain.stderr
    assert plain.returncode != 0, log
    assert "Grading setup: a grading kernel could not start" in log, log[-3000:]
    assert log.count("checking that a grading kernel can start at all") == 1, log[-3000:]
    assert "There was an error processing assignment 'ps01_search' for student 'bob'" in log
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:   # no score recorded, not even 0
        scored = [(sub.student.id, g.name, g.auto_score) for sub in gb.assignment_submissions("ps01_search")
                  for nb in sub.notebooks for g in nb.grades if g.auto_score is not None]
    assert not scored, scored
    assert not list((course / "autograded").glob("*/ps01_search/*.ipynb"))


@needs_bwrap
def test_a_kernel_that_fails_to_start_once_scores_that_notebook_only(tmp_path):
    """One notebook's kernel fails to start (a transient failure: here its command exits at
    once), while a grading kernel can start: grading goes on (that notebook stops and scores 0 as
    any that stops, with the reason), and the next notebook is graded."""
    import nbformat

    from qkv_grader import execute
    from qkv_grader.execute import SandboxedExecute
    from qkv_grader.sandbox import SandboxedKernelManager

    class FailsOnce(SandboxedKernelManager):
        failures = 1

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            if FailsOnce.failures:
                FailsOnce.failures -= 1
                return ["/bin/false"]
            return command

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('ran')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    graded = [SandboxedExecute(kernel_manager_class=FailsOnce, timeout=60, allow_errors=True).preprocess(
        nbformat.from_dict(nb), {"metadata": {"path": str(tmp_path)}})[0] for _ in range(2)]
    assert graded[0].metadata[execute.METADATA]["stopped"] in (execute.Problem.KERNEL_DIED.value,
                                                               execute.Problem.KERNEL_UNRESPONSIVE.value)
    assert "not graded" in graded[0].cells[0].outputs[-1]["evalue"]
    assert execute._SETUP_BROKEN is None
    assert [o.get("text") for o in graded[1].cells[0].outputs] == ["ran\n"]


@needs_bwrap
def _notebooks_in_order(root: Path, code: str, students: tuple[str, ...], assignment: str,
                        beside: str | None = None) -> list[Path]:
    """A one-cell notebook ``nb.ipynb`` in ``root/<student>/<assignment>/`` for each student (with
    a file ``beside`` it saying whose it is), said to be graded in that order (grade_in_order)."""
    import nbformat

    from qkv_grader import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folders = []
    for student in students:
        folder = root / student / assignment
        folder.mkdir(parents=True)
        if beside:
            (folder / beside).write_text(f"{student}'s file")
        nbformat.write(nb, folder / "nb.ipynb")
        folders.append(folder)
    execute.grade_in_order(str(f / "nb.ipynb") for f in folders)
    return folders


def test_each_kernel_started_ahead_gets_only_its_own_notebooks_files(tmp_path):
    """In a run that grades several notebooks (grade_in_order), each notebook's kernel starts
    while the one before it runs, without files; the notebook that takes it hands it its own
    files, and sees no other's (nor what the notebook before it wrote). Nothing is left running
    or on disk after the run."""
    import tempfile

    import nbformat

    from qkv_grader import execute
    from qkv_grader.execute import SandboxedExecute
    from qkv_grader.sandbox import SCRATCH_PREFIX

    scratch = set(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*"))
    code = ("import os, pathlib\nprint(sorted(os.listdir('.')), pathlib.Path('mine.txt').read_text())\n"
            "_ = pathlib.Path('left_behind.txt').write_text('x')")
    folders = _notebooks_in_order(tmp_path, code, ("ann", "ben", "cat"), "practice", "mine.txt")
    grader = SandboxedExecute(timeout=60, allow_errors=True)
    taken = []
    try:
        for folder in folders:
            graded, _ = grader.preprocess(nbformat.read(folder / "nb.ipynb", as_version=4),
                                          {"metadata": {"path": str(folder), "name": "nb"}})
            assert [o.get("text") for o in graded.cells[0].outputs] == \
                [f"['mine.txt'] {folder.parent.name}'s file\n"], graded.cells[0].outputs
            taken.append(grader._handed_in_late)
            ahead = execute._AHEAD
            if folder != folders[-1]:   # the next one's kernel is up, and holds no file yet
                assert ahead is not None and run_sync(ahead[1].is_alive)()
                assert os.listdir(ahead[1]._work_dir) == []
            else:
                assert ahead is None
    finally:
        execute.grade_in_order(())
        execute.discard_ahead()
    assert taken == [False, True, True]
    assert set(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*")) <= scratch


@needs_bwrap
def test_a_kernel_started_ahead_has_imported_its_assignments_slow_libraries(tmp_path):
    """A kernel started ahead for an assignment with kernel_imports (ps03: torch) has imported
    them before its notebook's first cell, binding no name, adding no history and no execution
    count; the first notebook's kernel, started as it begins, has not."""
    import nbformat

    from qkv_grader import execute
    from qkv_grader.assignments import assignment
    from qkv_grader.execute import SandboxedExecute

    assert assignment("ps03_projections").kernel_imports == ("torch",)
    code = ("import sys\nprint('torch' in sys.modules, 'torch' in globals(), 'name' in globals(), "
            "len(In), get_ipython().execution_count)")
    folders = _notebooks_in_order(tmp_path, code, ("ann", "ben"), "ps03_projections")
    grader = SandboxedExecute(timeout=120, allow_errors=True)
    seen = []
    try:
        for folder in folders:
            graded, _ = grader.preprocess(nbformat.read(folder / "nb.ipynb", as_version=4),
                                          {"metadata": {"path": str(folder), "name": "nb"},
                                           "nbgrader": {"assignment": "ps03_projections"}})
            seen.append(([o.get("text") for o in graded.cells[0].outputs], grader._handed_in_late))
    finally:
        execute.grade_in_order(())
        execute.discard_ahead()
    assert seen[1][1] and seen[1][0][0].startswith("True False False "), seen
    assert seen[0] == ([seen[1][0][0].replace("True", "False", 1)], False), seen


@pytest.mark.parametrize("kernel", [False, True], ids=["interpreter", "kernel"])
@needs_bwrap
def test_a_grader_started_through_folders_the_sandbox_does_not_mount_starts_kernels(tmp_path, kernel):
    """The grader's Python named by a path through folders the sandbox does not mount (e.g.
    ``../../.venv/bin/python`` from the course folder): the kernel, whose interpreter is that
    path, still starts in the sandbox."""
    # (relative: Python makes an absolute program path normal in sys.executable, not this one)
    python = os.path.relpath(sys.executable, tmp_path)
    assert python.startswith("..") and os.path.samefile(tmp_path / python, sys.executable)
    script = (f"import sys\nassert '..' in sys.executable, sys.executable\n"
              f"from qkv_grader.execute import check_environment\n"
              f"check_environment(kernel={kernel})\nprint('checked')")
    out = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0 and out.stdout.strip() == "checked", out.stderr[-3000:]


@pytest.mark.parametrize("kernel", [False, True], ids=["interpreter", "kernel"])
@needs_bwrap
def test_the_environment_check_leaves_no_kernel_or_scratch_directory(tmp_path, kernel):
    """check_environment runs the kernel's interpreter, or one sandboxed kernel, in the sandbox
    (as its own id, here) and leaves nothing running or on disk."""
    import tempfile

    from traitlets.config import Config

    from qkv_grader.execute import check_environment
    from qkv_grader.sandbox import SCRATCH_PREFIX

    base = 1_900_000
    before = set(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*"))
    check_environment(config=Config({"SandboxedKernelManager": {"uid_base": base}}), kernel=kernel)
    after = set(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*"))
    assert after <= before, after - before
    if os.geteuid() == 0:  # kernels run as ids of their own only under root
        left = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
        assert not [u for u in left if base <= int(u) < base + 800_000]
