"""Fault injection: qkv-grade killed at random points never loses a grade or leaves anything behind.

A seeded run kills the grader again and again during a small class: the main process (SIGKILL,
SIGTERM), one worker (SIGKILL), or the whole process group (SIGKILL, Ctrl-C's SIGINT), at a
random moment of each run; after each kill it checks that every process the run had started is
gone, and the next run (without ``--force``) goes on where the last one stopped. Each episode
ends with a run left to finish; then every student must have exactly the grades of an
uninterrupted run, the gradebook must pass SQLite's integrity check with one submission per
student, and no kernel scratch directory of the run may remain.

``QKV_FAULT_KILLS`` (default 5: each mode once, in a seeded order; more go round the modes again)
sets the number of kills, ``QKV_FAULT_SEED`` the seed; the long version, e.g.
``QKV_FAULT_KILLS=200``, is the same test (README, "Developing").
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

import synthetic_class
from qkv_grader.sandbox import SCRATCH_PREFIX, bwrap_available, scratch_owner

ASSIGNMENT = "ps01_search"
STUDENTS = 2
KILLS = int(os.environ.get("QKV_FAULT_KILLS", "5"))
SEED = int(os.environ.get("QKV_FAULT_SEED", "20261203"))
MODES = ("main SIGKILL", "main SIGTERM", "worker SIGKILL", "group SIGKILL", "group SIGINT")

pytestmark = pytest.mark.skipif(not bwrap_available() and os.environ.get("CI") != "true",
                                reason="bubblewrap is not usable here")


def qkv_grade(course: Path) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "qkv-grade"), ASSIGNMENT, "--jobs", "2",
                             "--quiet"], cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def workers_of(pid: int) -> list[psutil.Process]:
    found = []
    for child in descendants(pid):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "multiprocessing" in line and "resource_tracker" not in line and child.ppid() == pid:
            found.append(child)
    return found


def interrupt(run: subprocess.Popen, mode: str, rng: random.Random, seconds: float) -> list[psutil.Process]:
    """Let ``run`` go on for ``seconds``, then inject ``mode``; returns the processes it had."""
    try:
        run.wait(timeout=seconds)
        return []  # it finished first
    except subprocess.TimeoutExpired:
        pass
    started = descendants(run.pid) + [psutil.Process(run.pid)]
    if mode == "main SIGKILL":
        os.kill(run.pid, signal.SIGKILL)
    elif mode == "main SIGTERM":
        os.kill(run.pid, signal.SIGTERM)
    elif mode == "group SIGKILL":
        os.killpg(run.pid, signal.SIGKILL)
    elif mode == "group SIGINT":
        os.killpg(run.pid, signal.SIGINT)
    elif mode == "worker SIGKILL":
        pool = workers_of(run.pid)
        if pool:
            rng.choice(pool).kill()
    return started


def assert_gone(processes: list[psutil.Process], mode: str) -> None:
    _, alive = psutil.wait_procs(processes, timeout=30)
    described = []
    for p in alive:
        try:
            described.append(" ".join(p.cmdline())[:120])
        except psutil.Error:
            continue
    assert not described, f"after {mode}, still running: {described}"


@pytest.fixture(scope="module")
def classes(tmp_path_factory) -> tuple[Path, dict, float]:
    """The class before grading, the grades of an uninterrupted run and its seconds."""
    root = tmp_path_factory.mktemp("faults")
    ungraded = synthetic_class.course_with(root / "ungraded", [ASSIGNMENT])
    synthetic_class.submit(ungraded, ASSIGNMENT, synthetic_class.submissions(ungraded, ASSIGNMENT, STUDENTS))
    reference = root / "reference"
    shutil.copytree(ungraded, reference)
    start = time.monotonic()
    run = qkv_grade(reference)
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 0, out
    seconds = time.monotonic() - start
    return ungraded, synthetic_class.cell_grades(f"sqlite:///{reference / 'gradebook.db'}", ASSIGNMENT), seconds


def graded(course: Path) -> int:
    """How many students the course's runs recorded as graded."""
    return len(list((course / ".qkv-grade" / ASSIGNMENT / "graded").glob("*.json")))


def test_killed_graders_lose_no_grade_and_leave_nothing_behind(classes, tmp_path):
    ungraded, expected, seconds = classes
    rng = random.Random(SEED)
    order = rng.sample(MODES, len(MODES))
    kills, episode, log = 0, 0, []
    while kills < KILLS:
        episode += 1
        course = tmp_path / f"episode-{episode}"
        shutil.copytree(ungraded, course)
        pids: set[int] = set()
        for _ in range(rng.randint(3, 6)):  # kills in this episode, then a run left to finish
            if graded(course) == STUDENTS:
                break
            # the modes in turn, in a seeded order, so that any 5 kills include each mode once
            mode, after = order[kills % len(order)], rng.uniform(0.3, 0.9 * seconds)
            run = qkv_grade(course)
            started = interrupt(run, mode, rng, after)
            print(f"episode {episode}: {mode} after {after:.1f} s ({graded(course)} graded by now)"
                  + ("" if started else " (it had finished)"), flush=True)
            if started:
                kills += 1
                pids.update(p.pid for p in started)
                if mode == "worker SIGKILL":  # the run goes on: a fresh pool grades the rest
                    out, _ = run.communicate(timeout=600)
                    assert run.returncode in (0, 1), out
                else:
                    run.communicate(timeout=120)
                assert_gone(started, mode)
                log.append(f"episode {episode}: {mode} after {after:.1f} s")
            else:
                run.communicate()
        run = qkv_grade(course)
        out, _ = run.communicate(timeout=600)
        assert run.returncode == 0, out
        assert "0 failed" in out, out

        got = synthetic_class.cell_grades(f"sqlite:///{course / 'gradebook.db'}", ASSIGNMENT)
        assert got == expected, f"grades differ after {log}"
        with sqlite3.connect(course / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows = db.execute("SELECT count(*), count(DISTINCT student_id) FROM submitted_assignment").fetchone()
            assert rows == (STUDENTS, STUDENTS), rows
        left = [p for p in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*") if scratch_owner(p) in pids]
        assert not left, f"scratch directories left after {log}: {left}"
    print(f"{kills} kills in {episode} episodes (seed {SEED}): {STUDENTS} students each, 0 grades lost")
