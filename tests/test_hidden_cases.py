"""Hidden test cases stay with the instructor: they are not in the wheel students install, and
no check can reach them but through qkv_grader.hidden."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from nbgrader_course import REPO
from qkv_course.checks import FeedbackError
from qkv_grader.assignments import ASSIGNMENTS

CHECKS = [(a.key, function) for a in ASSIGNMENTS.values() for function in a.functions()]


def test_the_wheel_leaves_out_the_hidden_cases(tmp_path):
    # built from a copy, so that setuptools' build folders never land in the repository
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("qkv_course", "qkv_grader"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(tmp_path), str(source)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("qkv_course-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "qkv_course/checks/search.py" in names and "qkv_course/emit.py" in names
    assert "qkv_grader/execute.py" in names
    assert not [n for n in names if "qkv_grader/hidden" in n], "hidden cases in the wheel"


@pytest.mark.parametrize("checks,function", CHECKS, ids=lambda x: str(x))
def test_hidden_tests_need_the_hidden_package(checks, function, monkeypatch):
    """Without qkv_grader.hidden.<module> (a student's install), the hidden tests say they
    run when the notebook is graded: their cases come from nowhere else, not even from what the
    checks keep between runs (the warm-up has made every case, hidden ones included, first)."""
    assignment = next(a for a in ASSIGNMENTS.values() if a.key == checks)
    module = assignment.module()
    assignment.warm_up()
    monkeypatch.setitem(sys.modules, f"qkv_grader.hidden.{checks}", None)

    def unanswered(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(FeedbackError, match="hidden tests are not installed"):
        module.CHECKS[function](unanswered, hidden=True)
