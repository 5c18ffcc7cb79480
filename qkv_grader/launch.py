"""The launcher of a sandboxed grading kernel: set limits, drop to an unprivileged id, exec.

Run by path inside the sandbox (see :mod:`qkv_grader.sandbox`), with the standard library
only, so that it costs a few milliseconds::

    python -I launch.py --memory=B --processes=N --cpu=S --fsize=B --nofile=N --uid=U [--copy=DIR] -- <argv>

Limits of 0 are left unset. As root it sets ``RLIMIT_NPROC`` and then becomes ``U`` (root is
exempt from the process limit, an ordinary id is not); as another user it allows for the
processes already running.
"""

from __future__ import annotations

import os
import resource
import sys

_DIRS = ("HOME", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


def _limit(kind: int, value: int) -> None:
    if value > 0:
        resource.setrlimit(kind, (value, value))


def main(argv: list[str]) -> None:
    split = argv.index("--")
    options = dict(a.lstrip("-").split("=", 1) for a in argv[:split])
    command = argv[split + 1:]
    uid = int(options.get("uid", os.geteuid()))
    drop = os.geteuid() == 0 and uid != 0
    for path in [os.environ.get(name) for name in _DIRS] + ([os.getcwd()] if options.get("copy") else []):
        if path:
            os.makedirs(path, exist_ok=True)
            if drop and path.startswith(("/tmp/", "/home/")):
                os.chown(path, uid, uid)
    _limit(resource.RLIMIT_AS, int(options.get("memory", 0)))
    _limit(resource.RLIMIT_CPU, int(options.get("cpu", 0)))
    _limit(resource.RLIMIT_FSIZE, int(options.get("fsize", 0)))
    _limit(resource.RLIMIT_NOFILE, int(options.get("nofile", 0)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    processes = int(options.get("processes", 0))
    if drop:
        _limit(resource.RLIMIT_NPROC, processes)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    elif processes > 0:
        running = sum(1 for name in os.listdir("/proc") if name.isdigit())
        _limit(resource.RLIMIT_NPROC, processes + running)
    os.environ.setdefault("USER", "student")
    if options.get("copy"):
        _copy_into_cwd(options["copy"])
    _die_with_parent()
    os.execv(command[0], command)


def _copy_into_cwd(source: str) -> None:
    """Copy the files handed in beside the notebook (mounted read-only at ``source``) into the
    working directory, as the kernel's own id and under its limits: a tmpfs of bounded size."""
    import shutil

    try:
        shutil.copytree(source, os.getcwd(), symlinks=True, dirs_exist_ok=True)
    except (OSError, shutil.Error) as error:
        # the kernel still starts; what did not fit is missing, and the notebook says so if it
        # reads it
        print(f"grading sandbox: the files handed in beside the notebook did not all fit in the "
              f"kernel's working directory ({error})", file=sys.stderr)


def _die_with_parent() -> None:
    """Linux: SIGKILL when the grader that started this kernel dies (prctl PR_SET_PDEATHSIG, set
    after the change of user id, which clears it), so that no kernel outlives its grader even
    without bubblewrap's --die-with-parent."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
