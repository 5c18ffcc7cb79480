"""qkv-grade with the gradebook on PostgreSQL, shared by two graders grading at the same time.

The test starts its own PostgreSQL server (Debian's ``postgresql`` package, which
scripts/system_packages.sh installs) on loopback, in a temporary directory, as the unprivileged
``postgres`` user when run as root. Two ``qkv-grade`` processes grade halves of one class into
it concurrently, as two machines sharing a gradebook would; the grades must equal those of the
same class graded into SQLite, and nbgrader's export must read them back.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import synthetic_class
from qkv_grader import classgrade
from qkv_grader.sandbox import bwrap_available

ASSIGNMENT = "ps01_search"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    bin_dir = _pg_bin()
    if bin_dir is None or not bwrap_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL or bubblewrap is missing under CI: scripts/system_packages.sh should install them")
        pytest.skip("PostgreSQL (Debian package 'postgresql') is not installed")
    # not under pytest's temporary folder, which the postgres user cannot enter
    root = Path(tempfile.mkdtemp(prefix="qkv-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        for path in (root, data, sock):
            os.chown(path, user.pw_uid, user.pw_gid)
        as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    port = _free_port()
    env = dict(os.environ, LC_ALL="C.UTF-8")
    subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(data), "-U", "grader", "--auth=trust",
                              "-E", "UTF8"], check=True, capture_output=True, env=env, cwd=root)
    server = subprocess.Popen(as_user + [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                                         "-c", "listen_addresses=127.0.0.1", "-k", str(sock),
                                         "-c", "fsync=off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=root)
    try:
        for _ in range(100):
            ready = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                   capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("PostgreSQL did not start")
        for database in ("gradebook", "dask_gradebook"):
            subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader",
                            database], check=True, capture_output=True)
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def sqlite_class(tmp_path_factory) -> tuple[Path, dict]:
    """A class of 10 graded into SQLite by qkv-grade --jobs 2: the grades the others must equal."""
    course = synthetic_class.course_with(tmp_path_factory.mktemp("sqlite") / "course", [ASSIGNMENT])
    students = synthetic_class.submissions(course, ASSIGNMENT, 10)
    synthetic_class.submit(course, ASSIGNMENT, students)
    classgrade.grade_class(course, ASSIGNMENT, jobs=2, progress=False)
    return course, students


def _pg_course(root: Path, db_url: str, students: dict) -> Path:
    course = synthetic_class.course_with(root, [ASSIGNMENT], db_url=db_url)
    synthetic_class.submit(course, ASSIGNMENT, students)
    return course


def test_two_graders_share_a_postgresql_gradebook(postgres, sqlite_class, tmp_path):
    sqlite_course, students = sqlite_class
    pg_course = _pg_course(tmp_path / "pg", postgres, students)

    names = sorted(students)
    halves = [names[0::2], names[1::2]]
    qkv_grade = str(Path(sys.executable).parent / "qkv-grade")
    graders = [subprocess.Popen([qkv_grade, ASSIGNMENT, "--db-url", postgres, "--jobs", "1", "--quiet",
                                 "--students", ",".join(half)], cwd=pg_course, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for half in halves]
    for grader in graders:
        out, _ = grader.communicate(timeout=900)
        assert grader.returncode == 0, out
        assert "0 failed" in out

    grades = synthetic_class.cell_grades(postgres, ASSIGNMENT)
    assert set(grades) == set(students)
    assert grades == synthetic_class.cell_grades(f"sqlite:///{sqlite_course / 'gradebook.db'}", ASSIGNMENT)
    assert not (pg_course / "gradebook.db").exists(), "the PostgreSQL course made a SQLite gradebook"

    classgrade._export(pg_course, {"CourseDirectory": {"db_url": postgres}}, pg_course / "grades.csv")
    with open(pg_course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert rows == {s: sum(c.values()) for s, c in grades.items()}


def test_grading_on_a_dask_cluster_with_a_postgresql_gradebook(postgres, sqlite_class, tmp_path):
    """qkv-grade --scheduler: a Dask cluster on loopback of separate worker processes, one started
    by distributed's LocalCluster and one by the grading image's entry point (qkv-grade-worker),
    grading into PostgreSQL; the grades equal the SQLite class's, cell by cell."""
    distributed = pytest.importorskip("distributed")
    sqlite_course, students = sqlite_class
    db_url = postgres.rsplit("/", 1)[0] + "/dask_gradebook"
    course = _pg_course(tmp_path / "dask", db_url, students)
    bin_dir = Path(sys.executable).parent
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        entry = subprocess.Popen([str(bin_dir / "qkv-grade-worker"), cluster.scheduler_address,
                                  "--course", str(course), "--name", "from-the-image-entry-point"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            client.wait_for_workers(2, timeout=120)
            names = {w["name"] for w in client.scheduler_info()["workers"].values()}
            assert "from-the-image-entry-point" in {str(n) for n in names}
            proc = subprocess.run([str(bin_dir / "qkv-grade"), ASSIGNMENT, "--scheduler",
                                   cluster.scheduler_address, "--db-url", db_url, "--quiet"],
                                  cwd=course, capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert "10 graded, 0 skipped, 0 failed" in proc.stdout
            assert "serial fraction" in proc.stdout
            ran_on = client.run(lambda: __import__("qkv_grader.workers", fromlist=["_apis"])._apis != {})
            assert all(ran_on.values()), f"a worker graded no one: {ran_on}"
        finally:
            entry.terminate()
            entry.communicate(timeout=60)
    grades = synthetic_class.cell_grades(db_url, ASSIGNMENT)
    assert grades == synthetic_class.cell_grades(f"sqlite:///{sqlite_course / 'gradebook.db'}", ASSIGNMENT)
    report = json.loads((course / ".qkv-grade" / ASSIGNMENT / "report.json").read_text())
    assert all(0 < r["locked"] < r["seconds"] for r in report)


def test_the_worker_entry_point_refuses_a_machine_that_cannot_grade(tmp_path):
    """qkv-grade-worker checks before it joins: a folder that is no course root is refused with
    the reason and exit status 2; the course itself passes the check."""
    worker = str(Path(sys.executable).parent / "qkv-grade-worker")
    proc = subprocess.run([worker, "tcp://127.0.0.1:9", "--course", str(tmp_path), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "has no nbgrader_config.py" in proc.stderr
    if not bwrap_available():
        pytest.skip("bubblewrap is not usable here: the check rightly refuses this machine")
    course = synthetic_class.course_with(tmp_path / "course", [ASSIGNMENT])
    proc = subprocess.run([worker, "tcp://127.0.0.1:9", "--course", str(course), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "ready to grade" in proc.stdout, proc.stderr
