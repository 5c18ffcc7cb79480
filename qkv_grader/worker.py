"""``qkv-grade-worker``: a Dask worker that grades for ``qkv-grade --scheduler``, with the checks
that catch a broken grading machine before it grades anyone.

::

    qkv-grade-worker tcp://10.0.0.5:8786 --course /srv/course --nworkers 4

It is the entry point of the grading worker image (``Containerfile``); on Kubernetes or Slurm run
the same image, or this command on any machine with the course environment. Before it joins the
cluster it checks what grading needs and stops with a clear error (exit status 2) if something is
missing: nbgrader and ``distributed`` installed, bubblewrap usable (the kernels' sandbox), and the
course root, at the path the scheduler's ``qkv-grade`` uses, holding ``nbgrader_config.py``.
Then it runs ``dask worker`` with one thread per worker process (each grades one student at a
time; the kernels are the parallelism).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

__all__ = ["main", "problems"]


def problems(course: Path) -> list[str]:
    """What stops this machine from grading the course at ``course`` (empty: nothing)."""
    found = []
    for module, why in (("nbgrader", "the grader extra: pip install 'qkv-course[grader]'"),
                        ("distributed", "the grader extra: pip install 'qkv-course[grader]'")):
        if importlib.util.find_spec(module) is None:
            found.append(f"{module} is not installed ({why})")
    from .sandbox import bwrap_available

    if not bwrap_available():
        found.append("bubblewrap (bwrap) is missing or cannot create namespaces here: the kernels "
                     "would run unsandboxed (Debian/Ubuntu package 'bubblewrap'; in a container, "
                     "allow user namespaces)")
    if not (course / "nbgrader_config.py").is_file():
        found.append(f"{course} has no nbgrader_config.py: mount the course root at the same path "
                     "as on the machine that runs qkv-grade")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qkv-grade-worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("scheduler", help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--course", type=Path, default=Path(os.environ.get("QKV_COURSE", ".")),
                        help="the course root (default: $QKV_COURSE or the current directory)")
    parser.add_argument("--nworkers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--name", help="the worker's name on the cluster")
    parser.add_argument("--check", action="store_true", help="only check this machine, then exit")
    args = parser.parse_args(argv)
    found = problems(args.course.resolve())
    if found:
        for line in found:
            print(f"qkv-grade-worker: {line}", file=sys.stderr)
        return 2
    if args.check:
        print(f"qkv-grade-worker: ready to grade {args.course.resolve()}")
        return 0
    command = [sys.executable, "-m", "distributed.cli.dask_worker", args.scheduler,
               "--nworkers", str(args.nworkers), "--nthreads", "1", "--no-dashboard"]
    if args.name:
        command += ["--name", args.name]
    os.chdir(args.course.resolve())
    os.execv(sys.executable, command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
