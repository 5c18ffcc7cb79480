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
from nbgrader_course import run_nbgrader
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
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader",
                        "gradebook"], check=True, capture_output=True)
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def test_two_graders_share_a_postgresql_gradebook(postgres, tmp_path):
    pg_course = synthetic_class.course_with(tmp_path / "pg", [ASSIGNMENT], db_url=postgres)
    students = synthetic_class.submissions(pg_course, ASSIGNMENT, 10)
    synthetic_class.submit(pg_course, ASSIGNMENT, students)
    sqlite_course = tmp_path / "sqlite"
    shutil.copytree(pg_course, sqlite_course)
    run_nbgrader(sqlite_course, "generate_assignment", ASSIGNMENT, "--force")  # its own SQLite gradebook
    classgrade.grade_class(sqlite_course, ASSIGNMENT, jobs=2, progress=False)

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
