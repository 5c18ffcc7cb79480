"""Run a grading kernel in a sandbox: its own namespaces, few files, an unprivileged user, limits.

nbgrader runs a student's notebook in a Jupyter kernel that, by default, is an ordinary process
of the instructor: it can read the gradebook and the solutions, write into other students'
folders or the Python environment, fork without end and use all memory. :class:`SandboxedKernelManager`
starts the kernel instead as::

    bwrap <namespaces and mounts> -- python -I .../grading/launch.py <limits> -- <kernel argv>

* **bubblewrap** (Debian's ``bubblewrap``) gives the kernel new PID, network, IPC and UTS
  namespaces (no network at all, and it sees only its own processes) and a file system made of
  read-only binds of what a kernel needs: the system (``/usr``, ``/etc``, ...), Python, the virtual
  environment and the :mod:`qkv_course` package. It does not see the course directory (no
  ``solutions/``, no gradebook, no other student), and it writes only to a private ``/tmp`` and a
  scratch working directory, both thrown away with it. The kernel talks to the grader over Unix
  sockets (jupyter's ``ipc`` transport) in a directory bound in for that alone.
* the kernel's **imports never come from the submission**: its working directory is not on
  ``sys.path`` (``PYTHONSAFEPATH=1``, and IPython's ``ignore_cwd``), so a ``qkv_course/`` folder or
  a ``numpy.py`` beside the notebook is not imported in place of the installed one.
* the **launcher** (:mod:`qkv_grader.launch`) then sets resource limits and drops to an unprivileged user id
  of its own (root ignores the process-count limit): address space (a memory cap), processes and
  threads, CPU seconds, file size, open files, no core dumps.

Where bubblewrap is missing the kernel still gets the limits (``sandbox="auto"``), or the start
fails (``sandbox="require"``). The limits are a backstop; time limits per cell and per notebook
are kept by :class:`qkv_grader.execute.SandboxedExecute`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Enum, Integer, List, Tuple, Unicode

__all__ = ["Limits", "SandboxedKernelManager", "bwrap_available", "bwrap_works", "sandbox_argv"]

#: The launcher, run by path (``python -I launch.py``) so that it imports nothing of the course.
LAUNCHER = str(Path(__file__).with_name("launch.py"))
#: where the sandbox mounts it (in the sandbox's own /tmp)
KERNEL_LAUNCHER = "/tmp/.qkv-launch.py"

GiB = 1024**3
#: System directories bound read-only into the sandbox, where they exist.
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one kernel (``setrlimit``; 0 means no limit)."""

    memory_bytes: int = 4 * GiB      # RLIMIT_AS: allocations beyond it raise MemoryError
    processes: int = 256             # RLIMIT_NPROC: processes and threads of the kernel's user
    cpu_seconds: int = 900           # RLIMIT_CPU: a backstop behind the wall-clock limits
    file_bytes: int = 256 * 1024**2  # RLIMIT_FSIZE: largest file the kernel may write
    open_files: int = 1024           # RLIMIT_NOFILE
    #: (bubblewrap only) size of each of the kernel's two writable file systems, both tmpfs
    #: (memory, not the host's disk): /tmp, and /home, which holds its home and its working
    #: directory (a copy of the files handed in beside the notebook). 0: tmpfs's default.
    disk_bytes: int = 256 * 1024**2

    def args(self) -> list[str]:
        return [f"--memory={self.memory_bytes}", f"--processes={self.processes}",
                f"--cpu={self.cpu_seconds}", f"--fsize={self.file_bytes}", f"--nofile={self.open_files}"]

    def tmpfs(self, path: str) -> list[str]:
        """bwrap's arguments for a tmpfs at ``path`` of at most :attr:`disk_bytes`."""
        return (["--size", str(self.disk_bytes)] if self.disk_bytes > 0 else []) + ["--tmpfs", path]


def bwrap_available() -> str | None:
    """Path of the ``bwrap`` program, or None."""
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def bwrap_works() -> str:
    """'' if bwrap can make the sandbox's namespaces here, else why not (checked once per process:
    a container may forbid new namespaces)."""
    path = bwrap_available()
    if path is None:
        return "bubblewrap (Debian package 'bubblewrap') is not installed"
    argv = [path, *_user_ns(), "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/", "--proc", "/proc",
            "--dev", "/dev", "true"]
    proc = subprocess.run(argv, capture_output=True, text=True)
    return "" if proc.returncode == 0 else f"bwrap cannot create namespaces here: {proc.stderr.strip() or proc.returncode}"


def _user_ns() -> list[str]:
    """Root makes the namespaces itself; another user needs a user namespace to make them."""
    return [] if os.geteuid() == 0 else ["--unshare-user"]


def _python_roots() -> list[str]:
    """Directories the kernel's Python needs: the interpreter's installation and the environment."""
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    return sorted(roots)


def _program(path: str) -> str:
    """``path`` of a program with its folder resolved (``.venv/bin/../bin/python`` ->
    ``.venv/bin/python``, ``..`` and links followed), not the program itself: a virtual
    environment's ``python`` is a link that must stay one. The sandbox mounts the Python
    installation at its resolved path, so a path through folders it does not mount (the grader
    started as ``../.venv/bin/python``) would not be found there. A bare name is left as it is."""
    if os.sep not in path:
        return path
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def _package_root() -> str:
    """The directory holding the qkv_course package (an editable install points into the repo)."""
    import qkv_course

    return os.path.dirname(os.path.realpath(qkv_course.__file__))


def sandbox_argv(kernel_argv: list[str], *, ipc_dir: str, workdir: str, uid: int,
                 limits: Limits, use_bwrap: bool = True, package_view: str | None = None,
                 hidden: t.Sequence[tuple[str, str]] = ()) -> list[str]:
    """The command that starts ``kernel_argv`` in the sandbox.

    ``ipc_dir``: host directory of the kernel's sockets and connection file (bound read-write at
    the same path); ``workdir``: host directory bound read-write at ``/home/student/work``, the
    kernel's working directory; ``uid``: the unprivileged user (and group) id the kernel runs as;
    ``package_view``: a directory bound read-only in place of the :mod:`qkv_course` package (see
    :func:`qkv_grader.assignments.kernel_view`), or None for the package itself;
    ``hidden``: ``(stub, installed)`` directory pairs, each stub bound read-only over an installed
    library the kernel must not import (:func:`qkv_grader.assignments.library_stubs`);
    without bwrap they cannot be hidden.
    """
    python = _program(sys.executable)
    kernel_argv = [_program(kernel_argv[0]), *kernel_argv[1:]] if kernel_argv else kernel_argv
    launcher = [python, "-I", KERNEL_LAUNCHER if use_bwrap else LAUNCHER, *limits.args(),
                f"--uid={uid}", "--"]
    env = {
        "HOME": "/home/student", "TMPDIR": "/tmp", "PATH": f"{os.path.dirname(python)}:/usr/bin:/bin",
        "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "IPYTHONDIR": "/tmp/ipython", "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # the working directory (the submission's files) is never on sys.path: Python leaves it
        # out (3.11's safe path) and so does IPython, which reads sys.flags.safe_path; a
        # qkv_course/ folder or numpy.py handed in cannot stand in for the installed one
        "PYTHONSAFEPATH": "1",
        # one thread per kernel: parallel grading runs one kernel per core
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        # large allocations always mapped on their own (glibc would otherwise raise this threshold
        # and reuse freed heap), so the resident set the grader measures follows numpy's arrays
        "MALLOC_MMAP_THRESHOLD_": "131072",
        "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
    }
    if not use_bwrap:
        return ["env", "-i", *[f"{k}={v}" for k, v in env.items()], *launcher, *kernel_argv]
    argv = [bwrap_available() or "bwrap", *_user_ns(), "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--hostname", "grading",
            "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv += [a for path in SYSTEM_DIRS if os.path.exists(path) for a in ("--ro-bind", path, path)]
    argv += ["--proc", "/proc", "--dev", "/dev", *limits.tmpfs("/tmp"), *limits.tmpfs("/home")]
    made = {"/", "/tmp", "/home", *SYSTEM_DIRS}

    def parents(path: str) -> list[str]:
        """Make the missing parents of ``path`` 0755 (bwrap would make them 0700, which the
        unprivileged id cannot enter)."""
        out = []
        for parent in map(str, reversed(Path(path).parents)):
            if parent not in made and not parent.startswith(tuple(d + "/" for d in SYSTEM_DIRS)):
                out += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        return out

    for root in _python_roots():
        argv += parents(root) + ["--ro-bind", root, root]
    package = _package_root()
    argv += parents(package) + ["--ro-bind", package_view or package, package]
    for stub, installed in hidden:
        # (only what the kernel could import: an editable install's source folder is not mounted)
        if any(installed.startswith(root + "/") for root in _python_roots()):
            argv += ["--ro-bind", stub, installed]
    # the launcher (limits, then the kernel) comes from the grader's package, which the kernel
    # does not otherwise see
    argv += ["--ro-bind", LAUNCHER, KERNEL_LAUNCHER]
    argv += parents(ipc_dir)
    argv += ["--perms", "0755", "--dir", "/home/student",
             "--bind", ipc_dir, ipc_dir, "--ro-bind", workdir, HANDED_IN,
             "--perms", "0755", "--dir", WORK_DIR, "--chdir", WORK_DIR, "--"]
    # the launcher copies the handed-in files into the working directory, in /home's tmpfs: what
    # the kernel writes there counts against that tmpfs's size, never the host's disk
    launcher[-1:-1] = [f"--copy={HANDED_IN}"]
    return argv + launcher + kernel_argv


#: IPython's own switch that keeps the working directory off ``sys.path`` (it also reads
#: ``sys.flags.safe_path``): belt and braces for an IPython kernel.
IGNORE_CWD = "--IPKernelApp.ignore_cwd=True"


def _ignore_cwd(kernel_argv: list[str]) -> list[str]:
    """``kernel_argv`` with :data:`IGNORE_CWD` added where it starts an IPython kernel."""
    if any("ipykernel" in arg for arg in kernel_argv[:3]) and IGNORE_CWD not in kernel_argv:
        return [*kernel_argv, IGNORE_CWD]
    return kernel_argv


def _status_bytes(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status, in bytes."""
    with open(f"/proc/{pid}/status") as handle:
        fields = dict(line.split(":", 1) for line in handle if ":" in line)
    return int(fields[field].split()[0]) * 1024


#: Inside the sandbox: the kernel's working directory, and where the files handed in beside the
#: notebook are mounted read-only for the launcher to copy there.
WORK_DIR = "/home/student/work"
HANDED_IN = "/home/.handed-in"
#: What a kernel started ahead of its notebook runs first, once :meth:`SandboxedKernelManager.hand_in`
#: has given it the notebook's files: the launcher's copy (:mod:`qkv_grader.launch`), done late.
HAND_IN_CELL = (
    "def _qkv_hand_in():\n"
    "    import os, shutil\n"
    f"    if os.path.isdir({HANDED_IN!r}) and os.listdir({HANDED_IN!r}):\n"
    "        try:\n"
    f"            shutil.copytree({HANDED_IN!r}, os.getcwd(), symlinks=True, dirs_exist_ok=True)\n"
    "        except (OSError, shutil.Error) as error:\n"
    "            print('[qkv-grade hand-in]', error)\n"
    "_qkv_hand_in()\n"
    "del _qkv_hand_in\n")

#: A kernel's scratch directory in the temporary directory: ``qkv-kernel-<grader's pid>-<random>``.
SCRATCH_PREFIX = "qkv-kernel-"


def _runs_as(uid: int) -> bool:
    """Whether a process whose real or effective user id is ``uid`` exists (psutil reads both
    from /proc/<pid>/status; the owner of the /proc folder is root once a process changed ids)."""
    import psutil

    return any(uid in tuple(p.info["uids"] or ())[:2] for p in psutil.process_iter(["uids"]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_owner(path: Path) -> int | None:
    """The id of the grader process whose kernel's scratch directory ``path`` is
    (``<SCRATCH_PREFIX><pid>-<random>``), or None for another name."""
    owner = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
    return int(owner) if path.name.startswith(SCRATCH_PREFIX) and owner.isdigit() else None


def sweep_scratch(pids: t.Iterable[int] | None = None) -> list[str]:
    """Remove kernels' scratch directories left by graders that are gone (killed before their
    clean-up ran), or those of ``pids``, whose kernels are gone. Returns what it removed."""
    removed, wanted = [], None if pids is None else set(pids)
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        owner = scratch_owner(path)
        if owner is None:
            continue
        if (owner in wanted) if wanted is not None else not _alive(owner):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(str(path))
    return removed


@functools.lru_cache(maxsize=None)
def _warn_once(log: t.Any, why_not: str) -> None:
    log.warning("Grading kernels run WITHOUT the sandbox (limits only): %s", why_not)


#: Libraries that no grading kernel imports, whatever the assignment: ipykernel's debugger
#: (debugpy), which grading never uses and whose import is about a tenth of a kernel's start.
#: ipykernel runs without it when its import fails.
NEVER_IN_KERNEL = (("debugpy", "debugpy, the debugger, is not available in the grading kernel"),)

_IMPORT_STUB = '''raise ImportError({message!r})
'''


@functools.lru_cache(maxsize=None)
def import_stubs(libraries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``(stub, installed)`` directory pairs for ``(library, message)`` pairs: each stub a package
    (made once per process, removed at exit) whose import raises ``ImportError(message)``, to be
    mounted over each folder the installed library imports from. Libraries not installed (or
    single modules) are left out."""
    import atexit
    import importlib.util

    pairs = []
    for library, message in libraries:
        found = importlib.util.find_spec(library)
        if found is None or not found.submodule_search_locations:
            continue
        stub = Path(tempfile.mkdtemp(prefix=f"qkv-{library}-stub-"))
        atexit.register(shutil.rmtree, stub, True)
        (stub / "__init__.py").write_text(_IMPORT_STUB.format(message=message))
        stub.chmod(0o755)
        for location in found.submodule_search_locations:
            pairs.append((str(stub), str(Path(location).resolve())))
    return tuple(pairs)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start in the sandbox (see the module docstring).

    Set it as ``kernel_manager_class`` of an nbclient/nbconvert executor. The kernel's working
    directory is a fresh scratch copy of the directory it would have run in (notebooks left out:
    an autograded notebook holds the hidden tests)."""

    sandbox = Enum(["auto", "require", "off"], "auto",
                   help="bwrap: use it where installed (auto), insist (require) or not (off).").tag(config=True)
    memory_limit = Integer(Limits.memory_bytes, help="bytes of address space (0: none)").tag(config=True)
    process_limit = Integer(Limits.processes, help="processes and threads (0: none)").tag(config=True)
    cpu_limit = Integer(Limits.cpu_seconds, help="CPU seconds (0: none)").tag(config=True)
    disk_limit = Integer(Limits.disk_bytes, help="bytes the kernel may write in /tmp, and in /home "
                         "(its home and working directory), each a tmpfs (0: tmpfs's default)"
                         ).tag(config=True)
    package_view = Unicode(None, allow_none=True,
                           help="Directory mounted in place of the course package (None: the package)."
                           ).tag(config=True)
    hidden_libraries = List(Tuple(Unicode(), Unicode()), default_value=[],
                            help="(stub, installed) directories: each stub mounted over an installed "
                            "library the kernel must not import.").tag(config=True)
    uid_base = Integer(200000, help="Kernels run as a random id in [uid_base, uid_base + 800000).").tag(config=True)

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        sweep_scratch()
        self._sandbox_dir = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        os.chmod(self._sandbox_dir, 0o711)
        self._ipc_dir = os.path.join(self._sandbox_dir, "ipc")
        self._work_dir = os.path.join(self._sandbox_dir, "work")
        os.mkdir(self._ipc_dir)
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "kernel")
        self.connection_file = os.path.join(self._ipc_dir, "kernel.json")
        # an id of its own, so that one kernel's processes never count against another's
        self.sandbox_uid = self.uid_base + secrets.randbelow(800000)

    @property
    def limits(self) -> Limits:
        return Limits(memory_bytes=self.memory_limit, processes=self.process_limit,
                      cpu_seconds=self.cpu_limit, disk_bytes=self.disk_limit)

    @property
    def uses_bwrap(self) -> bool:
        if self.sandbox == "off":
            return False
        why_not = bwrap_works()
        if not why_not:
            return True
        if self.sandbox == "require":
            raise RuntimeError(f"the grading sandbox is required, but {why_not}; set "
                               "SandboxedKernelManager.sandbox='auto' to grade with limits only")
        _warn_once(self.log, why_not)
        return False

    def _prepare_workdir(self, cwd: str | None) -> None:
        if os.path.isdir(self._work_dir):
            shutil.rmtree(self._work_dir)
        if cwd and os.path.isdir(cwd):
            shutil.copytree(cwd, self._work_dir, symlinks=True,
                            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        else:
            os.mkdir(self._work_dir)

    def hand_in(self, cwd: str | None) -> None:
        """Give a kernel started without files (started ahead of its notebook) the files beside
        its notebook: copied into the directory bound at :data:`HANDED_IN` (a bind shows what is
        added later), from where the kernel copies them into its working directory
        (:data:`HAND_IN_CELL`, before any of the notebook's code); without bwrap, that directory
        is the kernel's working directory itself."""
        if not cwd or not os.path.isdir(cwd):
            return
        shutil.copytree(cwd, self._work_dir, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        self._own_workdir()

    def _own_workdir(self) -> None:
        if os.geteuid() != 0:
            return
        uid = self.sandbox_uid  # the kernel's own files belong to the id it runs as
        for dirpath, dirnames, filenames in os.walk(self._work_dir):
            os.lchown(dirpath, uid, uid)
            for name in filenames:
                os.lchown(os.path.join(dirpath, name), uid, uid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel_argv = _ignore_cwd(super().format_kernel_cmd(extra_arguments))
        # Interrupt by a message on the control channel, which the kernel turns into SIGINT for
        # itself: a SIGINT to the process group would stop bwrap, and the kernel with it.
        self.kernel_spec.interrupt_mode = "message"
        cwd = self._launch_args.get("cwd") if isinstance(self._launch_args, dict) else None
        return self._sandboxed(kernel_argv, cwd)

    def probe_cmd(self, code: str) -> list[str] | None:
        """The command that runs ``code`` (``python -c``) with the kernel's own interpreter, in
        the sandbox a kernel gets (same mounts, environment, limits and id; an empty working
        directory): a twentieth of a kernel's start. None where the kernel spec does not start
        ``<python> -m ipykernel_launcher``, whose interpreter is the kernel's."""
        kernel_argv = super().format_kernel_cmd()
        if len(kernel_argv) < 3 or kernel_argv[1:3] != ["-m", "ipykernel_launcher"]:
            return None
        return self._sandboxed([kernel_argv[0], "-c", code], None)

    def run_probe(self, code: str, timeout: float = 120) -> subprocess.CompletedProcess[str] | None:
        """Run :meth:`probe_cmd` and clean up after it (its scratch directory, its processes):
        the finished process, output captured; None where the kernel spec allows no probe."""
        from jupyter_core.utils import run_sync

        argv = self.probe_cmd(code)
        if argv is None:
            return None
        try:
            return subprocess.run(argv, cwd=self._work_dir, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            # (AsyncKernelManager.cleanup_resources is the base class's function, not this override)
            run_sync(self._async_cleanup_resources)()

    def _sandboxed(self, kernel_argv: list[str], cwd: str | None) -> list[str]:
        """``kernel_argv`` started in this manager's sandbox, in a scratch copy of ``cwd``."""
        self._prepare_workdir(cwd)
        uid = self.sandbox_uid if os.geteuid() == 0 else os.geteuid()
        if os.geteuid() == 0:  # the kernel's own files belong to the id it will run as
            for path in (self._ipc_dir, self.connection_file):
                if os.path.exists(path):  # (a probe has no connection file)
                    os.chown(path, uid, uid)
        self._own_workdir()
        use_bwrap = self.uses_bwrap
        return sandbox_argv(kernel_argv, ipc_dir=self._ipc_dir, workdir=self._work_dir, uid=uid,
                            limits=self.limits, use_bwrap=use_bwrap, package_view=self.package_view,
                            hidden=[*import_stubs(NEVER_IN_KERNEL), *self.hidden_libraries])

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: t.Any) -> None:
        if not self.uses_bwrap:
            kw["cwd"] = self._work_dir  # without bwrap, the scratch copy is still the cwd
        await super()._async_launch_kernel(kernel_cmd, **kw)

    # -- memory, measured from outside -----------------------------------------------------------

    def kernel_pid(self) -> int | None:
        """The kernel's own process: the deepest descendant of the process started (bwrap starts
        the kernel as a child of its own); the last one found if a process ends meanwhile."""
        import psutil

        process = getattr(self.provisioner, "process", None)
        if process is None:
            return None
        pid = process.pid
        try:
            children = psutil.Process(pid).children()
            while children:
                pid = min(child.pid for child in children)
                children = psutil.Process(pid).children()
        except psutil.Error:
            pass
        return pid

    def seal_ipc(self) -> None:
        """Once the kernel is up (its sockets made), take its IPC directory back: the kernel
        owned it to create them, and could otherwise fill the host's disk there. As root only (a
        kernel that runs as the grader's own id keeps it)."""
        if os.geteuid() == 0 and os.path.isdir(self._ipc_dir):
            os.chown(self._ipc_dir, 0, 0)
            os.chmod(self._ipc_dir, 0o755)

    def reset_peak(self) -> tuple[int, int] | None:
        """Start measuring the kernel's peak memory (resident set) from now: ``(pid, resident
        bytes now)``, or None where the kernel's /proc files cannot be written (another user)."""
        pid = self.kernel_pid()
        if pid is None:
            return None
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as handle:
                handle.write("5")  # resets the peak resident set size to the current one
            return pid, _status_bytes(pid, "VmRSS")
        except (OSError, KeyError, ValueError):
            return None

    def peak_since(self, start: tuple[int, int] | None) -> int | None:
        """The most memory the kernel held above what it held at :meth:`reset_peak` (bytes)."""
        if start is None:
            return None
        pid, base = start
        try:
            return max(_status_bytes(pid, "VmHWM") - base, 0)
        except (OSError, KeyError, ValueError):
            return None

    def kill_now(self) -> None:
        """SIGKILL the kernel's process group from any thread (the watchdog uses it)."""
        import signal

        process = getattr(self.provisioner, "process", None)
        if process is None:
            return
        try:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
        except OSError:
            try:
                process.kill()
            except OSError:
                pass

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            await self._gone()
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)

    async def _gone(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout`` s) until no process runs as this kernel's own user id: bwrap
        SIGKILLs the kernel when it dies itself, and the kernel is gone a moment later, not at
        once. Only where kernels run as ids of their own (as root)."""
        import asyncio
        import time

        if os.geteuid() != 0 or self.sandbox_uid == os.geteuid():
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _runs_as(self.sandbox_uid):
            await asyncio.sleep(0.02)


