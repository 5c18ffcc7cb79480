"""Shared fixtures.

``html``: the book, built once per test run by scripts/build_book.sh (the README's command) into a
fresh directory, so every chapter is executed from scratch. Under pytest-xdist each test module
(or class) may run on another worker; the first worker that asks builds the book under a file lock
in the run's shared temporary directory, and the others wait for it and reuse that build, so
tests/test_book.py and tests/test_browser.py never build it twice.

QKV_BOOK_HTML=_build/html skips the build and tests that folder instead (for a quick look at the
browser tests while working on the book; CI always builds afresh).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def build_book(output: Path) -> subprocess.CompletedProcess:
    """Run scripts/build_book.sh with BOOK_OUTPUT=output (the book lands in output/_build/html)."""
    env = dict(os.environ, BOOK_OUTPUT=str(output))
    return subprocess.run(["bash", str(REPO / "scripts" / "build_book.sh")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="session")
def html(tmp_path_factory, request) -> Path:
    if os.environ.get("QKV_BOOK_HTML") and os.environ.get("CI") != "true":
        given = Path(os.environ["QKV_BOOK_HTML"]).resolve()
        assert (given / "index.html").exists(), f"QKV_BOOK_HTML={given}: no built book there"
        return given
    worker = getattr(request.config, "workerinput", None)
    shared = tmp_path_factory.getbasetemp()
    if worker is not None:            # xdist worker: basetemp is <run>/popen-gwN, shared is <run>
        shared = shared.parent
    out = shared / "book"
    log_file, ok_file = shared / "book-build.log", shared / "book-build.ok"
    with open(shared / "book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not log_file.exists():
            out.mkdir(exist_ok=True)
            proc = build_book(out)
            log_file.write_text(proc.stdout + proc.stderr)
            if proc.returncode == 0:
                ok_file.write_text("ok")
    log = log_file.read_text()
    assert ok_file.exists(), f"book build failed:\n{log[-6000:]}"
    assert "build succeeded" in log
    return out / "_build" / "html"


# -- the order the workers take the tests in -----------------------------------------------------
# scripts/test.sh runs pytest-xdist with --dist loadscope --no-loadscope-reorder: each module (or
# class) goes whole to one worker, in the order collected here. The longest scopes go first
# (longest-processing-time-first scheduling, measured in CI: the hostile batch about 460 s, the
# install profiles, the slowest pipelines and the book build 100-140 s each), so that no worker
# ends the run alone on a long one; the browser tests go last, so that the worker that gets them
# finds the book (built by tests/test_book.py, started second) ready instead of idling on its
# lock. Within a scope the order is pytest's.
_FIRST = (
    "tests/test_hostile.py",
    "tests/test_book.py",
    "tests/test_install_profiles.py",
    "tests/test_assignments.py::TestPipeline_ps11_trained",
    "tests/test_assignments.py::TestPipeline_ps03_projections",
    "tests/test_assignments.py::TestPipeline_ps04_attention",
    "tests/test_assignments.py::TestPipeline_ps05_masking",
    "tests/test_assignments.py::TestPipeline_ps06_multihead",
    "tests/test_instructor_book.py",
)
_LAST = ("tests/test_browser.py",)


def _rank(nodeid: str) -> int:
    for i, prefix in enumerate(_FIRST):
        if nodeid.startswith(prefix + ":") or nodeid == prefix:
            return i
    return len(_FIRST) + (1 if nodeid.startswith(_LAST) else 0)


def pytest_collection_modifyitems(config, items) -> None:
    items.sort(key=lambda item: _rank(item.nodeid))  # stable: pytest's order within a rank
