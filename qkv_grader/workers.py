"""Where ``qkv-grade`` grades its students: :func:`grade`, which autogrades one student in
whatever process runs it, and the executors that run it side by side, a local process pool
(:func:`local_pool`) or a Dask cluster (:func:`dask_cluster`, ``qkv-grade --scheduler``).

**One writer at a time, and only while it writes.** nbgrader opens the gradebook
(``nbgrader.api.Gradebook``) wherever it reads or writes it: when it records the student and
the submission, when it puts the instructor's test cells back, when it saves the grades and
late penalties, and when feedback reads the scores. :func:`serialise_gradebook` makes a worker
process take the gradebook lock (:class:`GradebookLock`) at the first statement of a database
transaction that writes (``INSERT``, ``UPDATE``, ``DELETE``, …) and hand it back when that
transaction has committed or rolled back; nothing else is locked. Reads run side by side with
them and with each other, as do running the notebook, sanitising and restoring cells and
rendering feedback: an SQLite gradebook is put in write-ahead-log mode, where readers never wait
for the writer and see only committed data, and PostgreSQL never blocks readers. (A worker
grades one student, whose rows no other worker writes; what it reads that others write, the
course and the assignment, was written before any worker started.) The lock is a file lock
(``filelock``) among the processes of one machine, and a ``distributed.Lock`` among the workers
of a Dask cluster. nbgrader has no hook for this; SQLAlchemy's events (a statement about to run,
a session's transaction ended) are the hooks, installed once per worker process.

Each student's time under the lock is measured (:attr:`Graded.locked`), so the serial fraction
of a run, which bounds its speed-up, is a number in the report.
"""

from __future__ import annotations

import concurrent.futures as futures
import dataclasses
import os
import re
import sys
import threading
import time
import typing as t
from pathlib import Path

__all__ = ["Job", "Graded", "GradebookLock", "serialise_gradebook", "grade", "LocalPool", "local_pool",
           "dask_cluster"]


@dataclasses.dataclass(frozen=True)
class Job:
    """One student to grade: what a worker needs, as plain data (it travels to other machines)."""

    root: str                       # the course root, the same path on every worker
    overrides: dict                 # nbgrader configuration on top of the course's nbgrader_config.py
    assignment: str
    student: str
    feedback: bool
    log_dir: str
    lock: tuple[str, str]           # ("file", path) or ("dask", name): see GradebookLock
    more: bool = False              # the worker will likely grade another student after this one


@dataclasses.dataclass(frozen=True)
class Graded:
    """What grading one student did: nbgrader's success, seconds in all and seconds under the
    gradebook lock."""

    ok: bool
    seconds: float
    locked: float


class GradebookLock:
    """A lock around the gradebook's write transactions that counts the seconds it was held.
    ``inner``: anything with ``acquire()`` and ``release()`` that excludes other processes. Each
    transaction that writes is a *holder* (its database engine: nbgrader's every ``Gradebook``
    has its own, with one connection); the lock is taken when the first holder comes and handed
    back when the last one goes, so a transaction that writes again is not counted twice."""

    def __init__(self, inner: t.Any) -> None:
        self._inner = inner
        self._holders: set[t.Hashable] = set()
        self._since = 0.0
        self._guard = threading.Lock()
        self.held = 0.0

    def acquire(self, holder: t.Hashable = None) -> None:
        with self._guard:
            if holder in self._holders:
                return
            if not self._holders:
                self._inner.acquire()
                self._since = time.perf_counter()
            self._holders.add(holder)

    def release(self, holder: t.Hashable = None) -> None:
        with self._guard:
            if holder in self._holders:
                self._let_go({holder})

    def release_all(self) -> bool:
        """Hand the lock back whatever holds it (the end of a student's grading, where nothing
        should); whether something did."""
        with self._guard:
            leaked = bool(self._holders)
            self._let_go(set(self._holders))
            return leaked

    def _let_go(self, holders: set) -> None:
        """Drop ``holders`` (held, under the guard); the last one gone hands the lock back."""
        if holders and not (self._holders - holders):
            self.held += time.perf_counter() - self._since
            self._inner.release()
        self._holders -= holders


def _make_lock(spec: tuple[str, str]) -> GradebookLock:
    kind, where = spec
    if kind == "file":
        from filelock import FileLock

        return GradebookLock(FileLock(where))
    if kind == "dask":
        from distributed import Lock

        return GradebookLock(Lock(where))
    raise ValueError(f"unknown kind of gradebook lock {kind!r}")


#: The lock this process's gradebook sessions hold (set by serialise_gradebook).
_current: dict[str, GradebookLock] = {}


#: The first word of a statement that writes (SQLAlchemy's ORM and nbgrader's own SQL).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def serialise_gradebook(lock: GradebookLock) -> None:
    """Make every transaction that writes the gradebook in this process hold ``lock``, from its
    first writing statement to its commit or rollback (the module docstring). Installed once; a
    later call changes the lock."""
    from nbgrader.api import Gradebook
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    _current["lock"] = lock
    if getattr(Gradebook, "_qkv_serialised", False):
        return

    @event.listens_for(Engine, "before_cursor_execute")
    def _writing(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        # Before the statement runs, so before the DB-API's implicit BEGIN: the transaction
        # starts under the lock, on the latest committed data.
        if _WRITES.match(statement):
            _current["lock"].acquire(id(conn.engine))

    def _ended(session: Session) -> None:
        # after the DB-API's commit or rollback returned: the transaction is over
        if session.bind is not None:
            _current["lock"].release(id(session.bind))

    event.listen(Session, "after_commit", _ended)
    event.listen(Session, "after_rollback", _ended)

    closed = Gradebook.close

    def close(self: t.Any) -> None:
        # a transaction the session's end rolls back, or writes outside a session (the tables
        # of a new gradebook): handed back here, when the gradebook's engine is gone
        try:
            closed(self)
        finally:
            _current["lock"].release(id(self.engine))

    Gradebook.close = close
    Gradebook._qkv_serialised = True
    _sqlite_without_fsync_per_commit()


def _sqlite_without_fsync_per_commit() -> None:
    """nbgrader commits after every grade and comment it saves (two commits per test cell), and an
    SQLite gradebook in its default journal mode syncs the disk several times per commit: that is
    most of a worker's time under the gradebook lock. In write-ahead-log mode with
    ``synchronous=NORMAL`` a commit is an append to the log, synced at checkpoints: still atomic
    and consistent when a grader is killed (the next connection recovers the log; the
    fault-injection test checks the gradebook's integrity after every kind of kill), though a power
    cut may lose the last commits (regrade with --force). Set on every SQLite connection this
    process opens (other databases are left alone)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(_sqlite_without_fsync_per_commit, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _pragmas(connection: t.Any, record: t.Any) -> None:
        import sqlite3

        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            try:
                # the journal mode is the database's: set once, read by every later connection.
                # Setting it (even to what it is) can fail at once with "database is locked"
                # while another worker writes, without waiting as other statements do, so it is
                # read first, and set (or read) again for a while when locked
                if _locked_retry(lambda: cursor.execute("PRAGMA journal_mode").fetchone()[0]) != "wal":
                    _locked_retry(lambda: cursor.execute("PRAGMA journal_mode=WAL").fetchone())
                cursor.execute("PRAGMA synchronous=NORMAL")  # this connection's own setting
            finally:
                cursor.close()

    _sqlite_without_fsync_per_commit.done = True  # type: ignore[attr-defined]


def _locked_retry(statement: t.Callable[[], t.Any], seconds: float = 30.0) -> t.Any:
    """``statement()``, tried again every 50 ms for up to ``seconds`` while SQLite says the
    database is locked or busy (sqlite3's own wait does not cover a journal-mode pragma)."""
    import sqlite3

    deadline = time.monotonic() + seconds
    while True:
        try:
            return statement()
        except sqlite3.OperationalError as error:
            if time.monotonic() > deadline or not any(w in str(error) for w in ("locked", "busy")):
                raise
            time.sleep(0.05)


def load_config(root: Path, overrides: dict[str, dict[str, t.Any]]) -> t.Any:
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").exists():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    config.merge(Config(overrides))
    return config


#: Per worker process: nbgrader's API for a course and the gradebook lock, made once.
_apis: dict[tuple, t.Any] = {}
_locks: dict[tuple[str, str], GradebookLock] = {}


def _api(job: Job) -> t.Any:
    import json

    from nbgrader.apps import NbGraderAPI

    key = (job.root, json.dumps(job.overrides, sort_keys=True, default=str))
    if key not in _apis:
        os.chdir(job.root)
        _apis[key] = NbGraderAPI(config=load_config(Path(job.root), job.overrides))
    return _apis[key]


def grade(job: Job) -> Graded:
    """Autograde (and give feedback to) one student, here; nbgrader's log goes to
    ``<log_dir>/<student>.log``."""
    start = time.monotonic()
    if job.lock not in _locks:
        _locks[job.lock] = _make_lock(job.lock)
    lock = _locks[job.lock]
    serialise_gradebook(lock)
    held = lock.held
    api = _api(job)
    log = ""
    from .execute import discard_ahead, keep_spare

    # a kernel for the next student starts while this one's notebook runs (none after the last;
    # this student takes the one started for it while the last student was graded)
    keep_spare(job.more)
    try:
        result = api.autograde(job.assignment, job.student, force=True, create=True)
        log += result.get("log", "") + (result.get("error") or "")
        ok = bool(result.get("success"))
        if ok and job.feedback:
            fb = api.generate_feedback(job.assignment, job.student, force=True)
            log += fb.get("log", "") + (fb.get("error") or "")
            ok = bool(fb.get("success"))
    finally:
        if not job.more:  # one started ahead and not taken (nbgrader skipped the notebook)
            discard_ahead()
        # every write transaction has ended by now; were one left open (nbgrader failing half way
        # through a write), the other workers must not wait on it for ever
        if lock.release_all():
            log += "\n[qkv-grade] a gradebook transaction was left open; its lock is released\n"
    Path(job.log_dir, f"{job.student}.log").write_text(log)
    return Graded(ok, time.monotonic() - start, lock.held - held)


# -- executors --------------------------------------------------------------------------------------

def _stop_worker(signum: int, frame: t.Any) -> t.NoReturn:
    """A local worker told to stop (SIGTERM, also sent when qkv-grade dies): kill the kernels it
    started, remove their scratch directories, exit at once, whatever goes wrong on the way.
    (A signal handler: it may interrupt an import, so it imports nothing itself.)"""
    try:
        children = _psutil.Process().children(recursive=True)
        for child in children:
            try:
                child.kill()
            except _psutil.Error:
                pass
        _psutil.wait_procs(children, timeout=5)
        _sweep_scratch([os.getpid()])
    finally:
        os._exit(128 + signum)


_psutil: t.Any = None
_sweep_scratch: t.Any = None


def _init_local_worker(log_dir: str, parent: int, jobs: int = 1,
                       env: dict[str, str] | None = None) -> None:
    """A local worker: its own output (the kernels' chatter) goes to a log, not the terminal;
    Ctrl-C is qkv-grade's to handle; it stops when told (SIGTERM) and when qkv-grade dies; its
    own numpy and torch use its share of the cores (the checks' expected values, MiniLM's run
    and a trained model's evaluation would otherwise each start a thread per core beside every
    other worker's and every kernel's; the kernels have one thread each, sandbox.py).

    ``parent``: qkv-grade's process id. A worker forked by the fork server (:class:`LocalPool`)
    has the server's environment, made when the first pool started; ``env``, qkv-grade's now,
    replaces it."""
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    if "numpy" in sys.modules or "torch" in sys.modules:  # imported by the fork server already
        _limit_threads(os.environ["OMP_NUM_THREADS"], os.environ["OPENBLAS_NUM_THREADS"])
    import signal

    import psutil

    from .sandbox import sweep_scratch

    global _psutil, _sweep_scratch
    _psutil, _sweep_scratch = psutil, sweep_scratch
    from multiprocessing.util import Finalize

    from .execute import discard_ahead

    # a worker that ends normally stops the kernel it started ahead (atexit does not run in a
    # pool's worker process; multiprocessing's finalizers do)
    Finalize(None, discard_ahead, exitpriority=10)
    log = open(os.path.join(log_dir, f"worker-{os.getpid()}.log"), "a")
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    # (a forked worker's parent is the fork server, which outlives qkv-grade while any worker
    # lives: the worker watches qkv-grade itself)
    threading.Thread(target=_stop_when_gone, args=(parent,), name="qkv-grade-watch", daemon=True).start()


def _stop_when_gone(pid: int) -> None:
    """Wait until process ``pid`` (qkv-grade) has ended, even by SIGKILL, then stop this worker
    (SIGTERM: :func:`_stop_worker`). A worker forked by the fork server would otherwise wait on
    the pool's queue for ever, and the server with it."""
    import select
    import signal

    try:
        watched = os.pidfd_open(pid)  # Linux 5.3: readable once the process has ended
    except ProcessLookupError:
        pass  # ended already
    except (AttributeError, OSError):  # no pidfd here: ask every second
        while _psutil.pid_exists(pid):
            try:
                if _psutil.Process(pid).status() == _psutil.STATUS_ZOMBIE:
                    break
            except _psutil.Error:
                break
            time.sleep(1)
    else:
        select.select([watched], [], [])
    os.kill(os.getpid(), signal.SIGTERM)


def _limit_threads(openmp: str, blas: str) -> None:
    """Limit numpy's BLAS and torch's OpenMP threads in this process, whose libraries were loaded
    before their variables (OMP_NUM_THREADS, ...) were set (threadpoolctl: the maintained way to
    reach every loaded BLAS and OpenMP library)."""
    from threadpoolctl import threadpool_limits

    try:
        limits = {"openmp": int(openmp), "blas": int(blas)}
    except ValueError:  # the variables are the user's to set; one that is not a number is ignored
        return
    threadpool_limits(limits)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(limits["openmp"])


def _preloads(assignment: str | None) -> list[str]:
    """The modules every worker of ``assignment`` imports: the fork server imports them once
    and each worker it forks starts with them (torch alone is over a second of CPU per process)."""
    from .assignments import assignment as find

    names = ["nbgrader.apps", "qkv_grader.preload"]
    known = find(assignment) if assignment else None
    if known is not None and known.outside:
        # the fork server passes over a module it cannot import (the hidden cases on a student's
        # install): the worker then says so when it grades
        names += [f"qkv_course.checks.{known.key}", f"qkv_grader.hidden.{known.key}"]
    return names


def _warm(assignment: str | None = None) -> None:
    import importlib

    from .assignments import assignment as find

    importlib.import_module("nbgrader.apps")
    known = find(assignment)
    if known is not None and known.outside:
        known.warm_up()


def _fork_context(assignment: str | None) -> t.Any:
    """multiprocessing's fork-server context, set to preload ``assignment``'s modules (ignored
    once the server runs), or None where there is no fork server."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preloads(assignment))
    return context


def start_fork_server(assignment: str | None) -> None:
    """Start the fork server of :class:`LocalPool` now, importing ``assignment``'s modules while
    this process goes on (qkv-grade calls it first thing, before its own imports)."""
    if _fork_context(assignment) is not None:
        from multiprocessing import forkserver

        forkserver.ensure_running()


class LocalPool(futures.ProcessPoolExecutor):
    """``jobs`` worker processes on this machine, which can be stopped at once (:meth:`stop`).

    On Linux and macOS they are forked by multiprocessing's fork server, which imports
    ``assignment``'s checks, torch and nbgrader once (:func:`_preloads`), before it forks any
    worker; where there is no fork server, each is started fresh (spawn) and imports them
    itself. Nothing runs in the server but imports: no kernel, no check, no thread pool.
    The server is one per qkv-grade process and lives as long as it; a later pool of the same
    process (a second try, or a second call of :func:`qkv_grader.classgrade.grade_class`) forks
    from it too, and its workers import what the server did not."""

    def __init__(self, jobs: int, log_dir: str, assignment: str | None = None) -> None:
        import multiprocessing

        context = _fork_context(assignment) or multiprocessing.get_context("spawn")
        super().__init__(max_workers=jobs, mp_context=context, initializer=_init_local_worker,
                         initargs=(log_dir, os.getpid(), jobs, dict(os.environ)))

    def warm_up(self, assignment: str | None = None) -> None:
        """Start every worker now, each importing nbgrader and ``assignment``'s checks (a few
        seconds), instead of at the first students. Returns at once: starting a worker waits
        until the fork server has imported what it preloads, and meanwhile this process checks
        the environment and stages the class on another core."""

        def start() -> None:
            for _ in range(self._max_workers):
                self.submit(_warm, assignment)

        self._starting = threading.Thread(target=start, name="qkv-grade-workers", daemon=True)
        self._starting.start()

    def stop(self) -> None:
        """Stop now (qkv-grade interrupted): cancel what has not started, tell every worker to stop
        (each kills its kernels and removes their scratch directories), wait for them."""
        import signal

        from .sandbox import sweep_scratch

        starting = getattr(self, "_starting", None)
        if starting is not None:  # every worker started, so that every one is stopped
            starting.join()
        # ProcessPoolExecutor keeps its processes in _processes; Python 3.14's terminate_workers()
        # is the public form of this
        processes = list((getattr(self, "_processes", None) or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join(timeout=15)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        sweep_scratch([p.pid for p in processes if p.pid])


def local_pool(jobs: int, log_dir: str, assignment: str | None = None) -> LocalPool:
    """``jobs`` worker processes on this machine (:class:`LocalPool`), ready for ``assignment``."""
    return LocalPool(jobs, log_dir, assignment)


class _DaskExecutor(futures.Executor):
    """A ``concurrent.futures.Executor`` on a Dask cluster: each job one task, run on any worker,
    never twice (a job is not pure: it writes the gradebook and the student's folders)."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.client = Client(address, set_as_default=False)

    def submit(self, fn: t.Callable, /, *args: t.Any, **kwargs: t.Any) -> futures.Future:
        done: futures.Future = futures.Future()
        task = self.client.submit(fn, *args, pure=False, retries=0, **kwargs)

        def finished(task: t.Any) -> None:
            try:
                done.set_result(task.result())
            except BaseException as error:
                done.set_exception(error)

        task.add_done_callback(finished)
        return done

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.client.close()

    def stop(self) -> None:
        """Stop now: the cluster's workers drop this client's tasks when it goes."""
        self.client.close()


def dask_cluster(address: str) -> futures.Executor:
    """An executor on the Dask scheduler at ``address`` (``tcp://host:8786``). Its workers need
    this package with its grader extra, bubblewrap, and the course root at the same path."""
    return _DaskExecutor(address)
