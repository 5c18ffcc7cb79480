"""nbgrader's ``Execute`` step, hardened for hostile notebooks: :class:`SandboxedExecute`.

It replaces ``Execute`` in ``Autograde.autograde_preprocessors`` (see ``nbgrader_config.py``),
so plain ``nbgrader autograde`` and ``qkv-grade`` (:mod:`qkv_grader.classgrade`) grade alike:

* the kernel runs in the sandbox of :mod:`qkv_grader.sandbox` (namespaces, a few
  read-only files, an unprivileged id, memory, process and CPU limits);
* **per-cell time limit** (``Execute.timeout``): the cell is interrupted and gets a
  ``CellTimeoutError`` output; **per-notebook time limit** (``notebook_timeout``): a watchdog
  kills the kernel, e.g. when a loop swallows ``KeyboardInterrupt``;
* a kernel that dies (``os._exit``, a crash, the time limit) does not end grading: the cells that
  did not run get a ``GradingStopped`` error output, so their tests score 0 (nbgrader would
  otherwise give an unexecuted test cell full marks, or drop the whole submission);
* **evidence that each test ran**: every graded test cell is sent to the kernel with one more
  line, ``confirm('<nonce>')`` (:func:`qkv_course.checks.guard.confirm`), which prints a marker
  only if at least one check ran in that cell and none failed. A test cell with no error and no
  marker (its code was rewritten or skipped by an input transformer, a hook, a patched
  ``run_cell``, or its errors were swallowed) gets a ``GradingError`` output and scores 0. The
  marker is removed from the output, and the nonce is new for every cell and every run;
* **output cap**: a notebook may send ``output_limit`` bytes of output *in all*, every output
  message counted (``stream``, ``display_data``, ``update_display_data``, ``execute_result``,
  ``error``: nbclient applies a display update to the notebook itself, so a per-cell count of the
  outputs it appends misses it); beyond that, outputs are dropped while the notebook runs (the
  grader's memory is not the student's to fill), with a note in each cell that lost output. The
  test-ran markers are kept, so a test cell after the cap still counts;
* **tests decided outside the kernel**: for an assignment whose
  :class:`~qkv_grader.assignments.Assignment` says ``outside``, every test cell (visible
  and hidden) is decided here, in the grader's process: the kernel is only asked to run the
  student's function on the check's inputs (:mod:`qkv_course.emit`), and the check itself runs
  on its answers (:mod:`qkv_grader.remote`). The cell's source is kept in the notebook
  but not run; the kernel sees a view of the course package without references, hidden cases or
  checks. The test-ran evidence above applies to assignments still checked in the kernel;
* **kernels started ahead** (plain runs, :func:`grade_in_order`): the next notebook's kernel
  boots while this one runs, in its own sandbox and without files; the next notebook takes it and
  hands it its own files (:data:`qkv_grader.sandbox.HAND_IN_CELL`) before any of its code runs.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import re
import secrets
import threading
import typing as t

import enum

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Enum, Integer, Type

from qkv_course.emit import MIME
from .assignments import Assignment, assignment, kernel_view, library_stubs
from .catalog import function_of
from .remote import MAX_ROUNDS, ForgedResults, Oracle, Replay, Verdict
from .sandbox import HAND_IN_CELL, SandboxedKernelManager

__all__ = ["SandboxedExecute", "grade_in_order", "keep_spare", "discard_ahead", "EVIDENCE", "STOPPED", "UNCONFIRMED", "FEEDBACK",
           "Problem", "problems", "METADATA",
           "OUTPUT_MESSAGES"]


class Problem(enum.Enum):
    """Why (part of) a notebook was not graded as it ran: what the execute step records, as
    data, for the report (:func:`problems`). Its value is how the report names it."""

    CELL_TIMEOUT = "cell timeout"
    CELL_TIMEOUT_UNINTERRUPTIBLE = "cell timeout, not interruptible"
    NOTEBOOK_TIMEOUT = "notebook timeout"
    KERNEL_DIED = "kernel died"
    KERNEL_UNRESPONSIVE = "kernel stopped responding"
    MEMORY = "memory error"
    UNCONFIRMED = "test did not run as written"


class GradingSetupError(Exception):
    """The grading setup is broken (not the submission): e.g. the sandboxed kernel does not see the
    course package the grader uses. Raised before any student code runs, and never caught by
    the execute step, so that nbgrader reports the notebook as failed (no grade written) and
    exits non-zero instead of grading everyone 0; qkv-grade checks the same once, before the class."""


#: What a fresh grading kernel runs, before the notebook, to say which course package it sees.
ENVIRONMENT_PROBE = (
    "import importlib.util as _qkv_u\n"
    "_qkv_s = _qkv_u.find_spec('qkv_course')\n"
    "print('[qkv-grade environment]', None if _qkv_s is None else _qkv_s.origin)\n"
    "del _qkv_u, _qkv_s\n"
)
_PROBE_LINE = re.compile(r"\[qkv-grade environment\] (.*)")
#: What the interpreter's probe adds: whether the kernel's Python can find ipykernel.
_IPYKERNEL_PROBE = ("import importlib.util as _qkv_u\n"
                    "print('[qkv-grade ipykernel]', _qkv_u.find_spec('ipykernel') is not None)\n")


def environment_mismatch(seen: str | None, expected: str) -> str | None:
    """Why a kernel that sees the course package at ``seen`` (``__init__.py``'s path, or None:
    not importable) cannot grade with the grader's package at ``expected``; None if it can."""
    if seen is None or seen == "None":
        return (f"the grading kernel cannot import qkv_course (the grader uses {expected}). Is the "
                "environment that runs nbgrader the one the course package is installed in, and "
                "is the course directory's package the installed one (an editable install of "
                "another checkout, PYTHONPATH or a --user install can differ)?")
    if os.path.realpath(seen) != os.path.realpath(expected):
        return (f"the grading kernel imports qkv_course from {seen}, the grader from {expected}: "
                "they must be the same installation")
    return None


def check_environment(parent: t.Any = None, config: t.Any = None, *, kernel: bool = False) -> None:
    """Check, as grading's ``SandboxedKernelManager`` (configured by ``parent``'s or ``config``'s
    settings) will run it, that the grading kernel sees the grader's course package; raise
    :class:`GradingSetupError` naming both if not. Once per run, before any gradebook write.

    By default the kernel's own interpreter runs :data:`ENVIRONMENT_PROBE` with ``-c``, in the
    kernel's sandbox, and checks that ipykernel is there (50 ms). A kernel is started instead
    (most of a second) with ``kernel=True``, or where the kernel spec is not ``<python> -m
    ipykernel_launcher``. A kernel that then fails to start for every notebook is caught by
    :class:`SandboxedExecute`, which runs this check with ``kernel=True`` before it scores a
    notebook whose kernel never started."""
    import qkv_course

    km = SandboxedKernelManager(parent=parent, config=config) if parent is not None else \
        SandboxedKernelManager(config=config)
    text = None if kernel else _probe_interpreter(km)
    if text is None:
        text = _probe_kernel(km)
    found = _PROBE_LINE.search(text)
    why = environment_mismatch(found.group(1).strip() if found else None, qkv_course.__file__)
    if why:
        raise GradingSetupError(why)


def _probe_interpreter(km: SandboxedKernelManager) -> str | None:
    """The probe's output from the kernel's interpreter (see :func:`check_environment`), or None
    where the kernel spec allows no such probe."""
    import subprocess

    try:
        done = km.run_probe(ENVIRONMENT_PROBE + _IPYKERNEL_PROBE)
    except (OSError, subprocess.SubprocessError) as error:
        raise GradingSetupError(f"the grading kernel's Python could not run: {type(error).__name__}: "
                                f"{error}") from None
    if done is None:
        return None
    if done.returncode != 0:
        raise GradingSetupError(f"the grading kernel's Python could not run in the sandbox (exit "
                                f"status {done.returncode}): {done.stderr.strip()[-1000:]}")
    if "[qkv-grade ipykernel] True" not in done.stdout:
        raise GradingSetupError("the grading kernel's Python has no ipykernel: install it in the "
                                "environment that runs nbgrader")
    return done.stdout


def _probe_kernel(km: SandboxedKernelManager) -> str:
    """The probe's output from a kernel started in the sandbox, and stopped."""
    import subprocess
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ENVIRONMENT_PROBE)])
    with tempfile.TemporaryDirectory(prefix="qkv-probe-") as cwd:
        try:
            NotebookClient(nb, km=km, timeout=120, allow_errors=True,
                           resources={"metadata": {"path": cwd}}).execute(
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the kernel's banner
        except Exception as error:  # noqa: BLE001 - a kernel that cannot start is a setup error too
            raise GradingSetupError(f"a grading kernel could not start: {type(error).__name__}: {error}") from None
        finally:
            # nbclient shuts down only the kernels it started itself, not one it was handed
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)   # removes its scratch directory too
            else:
                run_sync(km._async_cleanup_resources)()  # ours: the base's skips the scratch
    return "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream")


#: The problems that stop a whole notebook (the others are a cell's).
STOPS = (Problem.NOTEBOOK_TIMEOUT, Problem.CELL_TIMEOUT_UNINTERRUPTIBLE, Problem.KERNEL_DIED,
         Problem.KERNEL_UNRESPONSIVE)

#: The autograded notebook's metadata key under which the execute step records what stopped
#: grading (``{"stopped": Problem.value}``); whatever a submission put there is dropped first.
METADATA = "qkv_grader"

#: ename of the error output of a test decided outside the kernel that failed.
FEEDBACK = "FeedbackError"
_ANSWER = "__import__('qkv_course.emit', fromlist=['answer']).answer({nonce!r}, {path!r}, {function!r})"

#: The first runs of the checks this process made (:class:`qkv_grader.remote.Replay`'s memo):
#: they see nothing of a notebook's, so every notebook of an assignment shares them.
_FIRST_RUNS: dict = {}
#: The callable names the last notebook graded here reported at each test cell (assignment,
#: grade id): the first run of that cell in the next notebook starts from them. A guess, which
#: only decides which calls the first request asks (the names count in the memo's key).
_LAST_NAMES: dict[tuple[str, str], frozenset[str]] = {}

#: ename of the error output given to cells that did not run because grading stopped.
STOPPED = "GradingStopped"
#: ename of the error output given to test cells that left no evidence of having run.
UNCONFIRMED = "GradingError"
#: The marker :func:`qkv_course.checks.guard.confirm` prints: ``[qkv-grade ran <nonce>]``.
EVIDENCE = re.compile(r"\[qkv-grade ran ([0-9a-f]{16})\]\n?")
_CONFIRM = "__import__('qkv_course.checks.guard', fromlist=['confirm']).confirm({nonce!r})"
#: Characters kept of an error reply's message and of each of its traceback frames (the last 20).
ERROR_CLIP = 4000
#: The kernel messages that carry output: each counts against the notebook's output cap.
OUTPUT_MESSAGES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"})


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


def _nonce(emission: t.Any) -> t.Any:
    return emission.get("nonce") if isinstance(emission, dict) else None


def _blob(emission: dict) -> bytes | None:
    try:
        return base64.b64decode(emission["data"], validate=True)
    except Exception:
        return None


def _content_bytes(content: t.Any) -> int:
    """The size of a message's content: the characters of every string in it (keys included),
    nested any depth, 8 for anything else; counted without recursion."""
    total, stack = 0, [content]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            total += 8
    return total


def _markers(text: t.Any) -> str:
    """The test-ran markers in a stream's text, one per line ('' for none)."""
    return "".join(f"[qkv-grade ran {n}]\n" for n in EVIDENCE.findall(text)) if isinstance(text, str) else ""


def _clip(text: t.Any, limit: int) -> str:
    """``text`` as a string of at most about ``limit`` characters: its end kept, the cut said."""
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= limit else "[... cut by the grader]" + text[-limit:]


def _reply_error(content: dict[str, t.Any]) -> NotebookNode:
    """The error output for an error reply whose error message never arrived (nbgrader's way,
    so that the cell scores 0), clipped: a reply is not capped like output messages."""
    frames = content.get("traceback")
    frames = [_clip(f, ERROR_CLIP) for f in frames[-20:]] if isinstance(frames, list) else []
    return NotebookNode(output_type="error", ename=_clip(content.get("ename", ""), 200),
                        evalue=_clip(content.get("evalue", ""), ERROR_CLIP),
                        traceback=frames or ["ERROR: An error occurred while showtraceback was disabled"])


#: The notebooks of a plain run, in the order nbgrader grades them (:func:`grade_in_order`):
#: ``(student, assignment, notebook)``.
_UPCOMING: list[tuple[str, str, str]] = []
#: The kernel started ahead for the next notebook: ``(what it was started with, its manager)``.
_AHEAD: tuple[tuple[t.Any, ...], t.Any] | None = None
_AHEAD_LOCK = threading.Lock()


#: Whether this process grades another submission after the current one (qkv-grade's
#: workers: :func:`keep_spare`); a plain run knows its notebooks instead (:func:`grade_in_order`).
_MORE_AFTER = False


def keep_spare(more: bool) -> None:
    """Say whether this process will grade another submission after the current one, so that a
    kernel is started ahead for it (:meth:`SandboxedExecute._start_ahead`) or not."""
    global _MORE_AFTER
    _MORE_AFTER = bool(more)


def _kernel_settings(config: t.Any, manager: type) -> str:
    """The configuration a kernel manager of class ``manager`` reads: its classes' sections."""
    import json

    sections = {c.__name__: dict(config[c.__name__]) for c in manager.__mro__ if c.__name__ in config}
    return json.dumps(sections, sort_keys=True, default=repr)


def _notebook_id(directory: str, name: str) -> tuple[str, str, str]:
    """``(student, assignment, notebook)`` of a notebook in ``<...>/<student>/<assignment>/``."""
    parts = os.path.normpath(directory).split(os.sep)
    return (parts[-2] if len(parts) > 1 else "", parts[-1], name)


def grade_in_order(notebooks: t.Iterable[str]) -> None:
    """Say which notebooks this process grades, in order (paths of the submitted notebooks), so
    that each one's kernel starts while the one before it runs (:meth:`SandboxedExecute._start_ahead`):
    :mod:`qkv_grader.plain` calls it with nbgrader's own list. Without it no kernel is started
    ahead (``qkv-grade``'s workers each grade one submission)."""
    _UPCOMING[:] = [_notebook_id(os.path.dirname(p), os.path.splitext(os.path.basename(p))[0])
                    for p in notebooks]


def _more_to_grade(resources: t.Any) -> bool:
    """Whether another notebook follows the one ``resources`` describe (:func:`grade_in_order`)."""
    meta = resources.get("metadata", {}) if isinstance(resources, dict) else {}
    if _SETUP_BROKEN is not None:
        return False
    if not _UPCOMING or not meta.get("path"):
        return _MORE_AFTER
    try:
        return _UPCOMING.index(_notebook_id(meta["path"], meta.get("name", ""))) + 1 < len(_UPCOMING)
    except ValueError:
        return False


def _preimports(graded: Assignment | None) -> list[str]:
    """Kernel arguments that import ``graded``'s :attr:`~Assignment.kernel_imports` as the
    kernel starts (IPython's ``exec_lines``, run before the kernel answers, not stored in its
    history or execution count): a comprehension, which binds no name, evaluated to None, which
    is not displayed."""
    if graded is None or not graded.kernel_imports:
        return []
    return [f"--IPKernelApp.exec_lines=[__import__(name) for name in {graded.kernel_imports!r}] and None"]


def _take_ahead(key: tuple[t.Any, ...]) -> t.Any:
    """The kernel started ahead if it was started for ``key``, else None (and it is stopped)."""
    global _AHEAD
    with _AHEAD_LOCK:
        ahead, _AHEAD = _AHEAD, None
    if ahead is None:
        return None
    if ahead[0] == key and run_sync(ahead[1].is_alive)():
        return ahead[1]
    _stop_kernel(ahead[1])
    return None


def discard_ahead() -> None:
    """Stop the kernel started ahead, if any (a notebook nbgrader skipped, the run's end)."""
    global _AHEAD
    with _AHEAD_LOCK:
        ahead, _AHEAD = _AHEAD, None
    if ahead is not None:
        _stop_kernel(ahead[1])


def _stop_kernel(km: t.Any) -> None:
    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)   # removes its scratch directory too
        else:
            run_sync(km._async_cleanup_resources)()
    except Exception:  # noqa: BLE001 - bwrap's --die-with-parent ends it with the grader anyway
        pass


atexit.register(discard_ahead)


#: Why grading kernels cannot start in this process, once a notebook found out
#: (:meth:`SandboxedExecute._kernel_can_start`): later notebooks stop at once.
_SETUP_BROKEN: str | None = None


def _load_quietly(assignment: Assignment) -> None:
    """Import ``assignment``'s checks and warm them up; an error is left for the test cell that
    needs them."""
    try:
        assignment.warm_up()
    except Exception:  # noqa: BLE001 - the test cell imports it again and reports the error
        pass


def _has_error(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


class SandboxedExecute(Execute):
    """``Execute`` with a sandboxed kernel, a notebook time limit, a dead-kernel policy, test-ran
    evidence and an output cap (see the module docstring)."""

    kernel_manager_class = Type(SandboxedKernelManager, config=True,
                                help="The kernel manager: sandboxed by default.")
    notebook_timeout = Integer(600, help="Seconds one notebook may run in all (0: no limit).").tag(config=True)
    output_limit = Integer(8 * 1024**2, help="Bytes of output one notebook may send in all (every "
                           "output message counts, display updates included); the rest is dropped."
                           ).tag(config=True)
    answer_limit = Integer(4 * 1024**2, help="Bytes of results one test cell decided outside the "
                           "kernel may publish; the rest is dropped.").tag(config=True)
    # After a cell's reply, how long to wait for the rest of its output: long enough for a cell
    # that printed hundreds of MB (the output is dropped, the cell keeps its result).
    iopub_timeout = Integer(20, allow_none=False, help="Seconds to wait for output after a reply.").tag(config=True)
    # The kernel and its sandbox are thrown away after the notebook: kill it rather than wait
    # for a polite shutdown.
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate",
                           help="How the kernel is stopped after the notebook.").tag(config=True)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    # -- one notebook ---------------------------------------------------------------------------

    def preprocess(self, nb: NotebookNode, resources: t.Any = None, retries: t.Any = None
                   ) -> tuple[NotebookNode, t.Any]:
        if _SETUP_BROKEN is not None:
            raise GradingSetupError(_SETUP_BROKEN)
        self._index = 0
        self._sealed = False
        self._handed_in_late = False
        self._stop_reason: tuple[Problem, str] | None = None
        nb.metadata.pop(METADATA, None)
        self._output_bytes = 0                   # output the notebook has sent, in all
        self._capped: set[int] = set()           # cells that lost output to the cap
        self._answer_bytes: dict[int, int] = {}  # results published, per test cell
        self._deciding: int | None = None        # the test cell decided outside, while it is
        self._emitted: dict[int, list[t.Any]] = {}
        self._oracle: Oracle | None = None
        self._names: frozenset[str] | None = None  # the notebook's callable names, once reported
        info = (resources or {}).get("nbgrader", {}) if isinstance(resources, dict) else {}
        self._assignment: Assignment | None = assignment(info.get("assignment"))
        if self._assignment is not None and not self._assignment.outside:
            self._assignment = None
        if self._assignment is not None:
            # the checks (and torch, for a layer) load while the kernel starts, not at the first
            # test cell; import's own locks make the first test cell wait if it comes sooner
            threading.Thread(target=_load_quietly, args=(self._assignment,), daemon=True).start()
        self.error_on_timeout = {
            "ename": "CellTimeoutError", "evalue": f"this cell ran for more than {self.timeout} s",
            "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: this cell ran for more than "
                          f"{self.timeout} s and was interrupted (the limit per cell)."]}
        if self.extra_arguments == []:
            self.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
        watchdog = None
        if self.notebook_timeout > 0:
            watchdog = threading.Timer(self.notebook_timeout, self._out_of_time)
            watchdog.daemon = True
        try:
            if watchdog:
                watchdog.start()
            ExecutePreprocessor.preprocess(self, nb, resources)
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as error:
            if not self._sealed and self._stop_reason is None:
                self._kernel_can_start(error)
            kind, reason = self._stop_reason or self._death_message(error)
            self.log.warning("Grading stopped at cell %d: %s", self._index, reason)
            self._stop(nb, kind, reason)
        finally:
            if watchdog:
                watchdog.cancel()
            if self._oracle is not None:
                self._oracle.close()
        if resources is not None:
            self.resources = resources
        return nb, resources

    def _kernel_can_start(self, error: BaseException) -> None:
        """The kernel stopped before any of the notebook's code ran (most often: it never
        started). Start one as the run's environment check does, with no submission's files: if
        that fails too, the grading setup is broken (:class:`GradingSetupError`, and every later
        notebook of this process stops at once) and nobody is scored 0 for it; if it starts, the
        notebook's own files stopped it, and the notebook is scored as any that stops."""
        global _SETUP_BROKEN
        self.log.warning("The kernel stopped before the notebook ran (%s): checking that a grading "
                         "kernel can start at all", type(error).__name__)
        try:
            check_environment(parent=self, kernel=True)
        except GradingSetupError as broken:
            _SETUP_BROKEN = str(broken)
            self.log.error("Grading setup: %s", broken)
            raise

    def _out_of_time(self) -> None:
        self._stop_reason = (Problem.NOTEBOOK_TIMEOUT, f"the notebook ran past its time limit "
                             f"({self.notebook_timeout} s in all), so the grader stopped it")
        km = getattr(self, "km", None)
        if isinstance(km, SandboxedKernelManager):
            km.kill_now()

    def _death_message(self, error: BaseException) -> tuple[Problem, str]:
        code = getattr(getattr(getattr(self, "km", None), "provisioner", None), "process", None)
        code = getattr(code, "returncode", None)
        detail = f" (exit status {code})" if code is not None else ""
        if isinstance(error, DeadKernelError):
            return (Problem.KERNEL_DIED, "the notebook's Python process ended while it ran" + detail +
                    ": os._exit(), exit() in a cell, a crash, or running out of memory")
        if isinstance(error, CellTimeoutError):
            return (Problem.CELL_TIMEOUT_UNINTERRUPTIBLE,
                    f"a cell ran past its time limit ({self.timeout} s) and did not stop when "
                    "interrupted (does it catch KeyboardInterrupt?), so the grader stopped the notebook")
        return Problem.KERNEL_UNRESPONSIVE, f"the kernel stopped responding ({type(error).__name__})"

    def _stop(self, nb: NotebookNode, kind: Problem, reason: str) -> None:
        """Record why grading stopped, and give every code cell from the current one on that did
        not finish an error output."""
        nb.metadata[METADATA] = {"stopped": kind.value}
        for index, cell in enumerate(nb.cells):
            if index < self._index or cell.get("cell_type") != "code" or not cell.source.strip():
                continue
            if index == self._index or cell.get("execution_count") is None:
                if not _has_error(cell):
                    cell.setdefault("outputs", []).append(
                        _error(STOPPED, f"not graded: {reason}. This cell scores 0."))

    # -- one cell -------------------------------------------------------------------------------

    def create_kernel_manager(self) -> t.Any:
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or ""
        ahead = _take_ahead(self._ahead_key(self._assignment))
        if ahead is not None:  # started while the notebook before this one ran, without files
            ahead.hand_in(self.resources.get("metadata", {}).get("path"))
            self._handed_in_late = True
            self.km = ahead
            return ahead
        km = super().create_kernel_manager()
        self._sandbox_for(km, self._assignment)
        return km

    @staticmethod
    def _sandbox_for(km: t.Any, graded: Assignment | None) -> None:
        if graded is not None and isinstance(km, SandboxedKernelManager):
            km.package_view = kernel_view(graded.name)
            km.hidden_libraries = list(library_stubs(graded.name))

    def _ahead_key(self, graded: Assignment | None) -> tuple[t.Any, ...]:
        """What a kernel started ahead must have been started with to serve this notebook."""
        return (self.kernel_name, tuple(self.extra_arguments), graded.name if graded else None,
                self.kernel_manager_class, _kernel_settings(self.config, self.kernel_manager_class))

    def _start_ahead(self, resources: t.Any) -> None:
        """Start the next notebook's kernel now, while this one runs (its Python and ipykernel
        boot, most of a second, on a core this notebook leaves idle), where this process grades
        another notebook after this one (:func:`grade_in_order`). It starts in a sandbox of its
        own, with no files and nothing of any notebook, and waits; the next notebook takes it
        (:meth:`create_kernel_manager`) and hands it its files, or it is stopped."""
        global _AHEAD
        if not _more_to_grade(resources) or not issubclass(self.kernel_manager_class, SandboxedKernelManager):
            return
        discard_ahead()
        key = self._ahead_key(self._assignment)
        try:
            km = self.kernel_manager_class(kernel_name=self.kernel_name, config=self.config) \
                if self.kernel_name else self.kernel_manager_class(config=self.config)
            self._sandbox_for(km, self._assignment)
            run_sync(km.start_kernel)(extra_arguments=[*self.extra_arguments,
                                                       *_preimports(self._assignment)])
        except Exception as error:  # noqa: BLE001 - the next notebook starts its own, as always
            self.log.debug("No kernel started ahead: %s", error)
            return
        with _AHEAD_LOCK:
            _AHEAD = (key, km)

    def preprocess_cell(self, cell: NotebookNode, resources: t.Any, index: int
                        ) -> tuple[NotebookNode, t.Any]:
        self._index = index
        if not self._sealed:  # the kernel is up: no student code has run yet
            if self._handed_in_late:
                self._run_quietly(HAND_IN_CELL, index)
            self._check_environment(index)
            self.km.seal_ipc()
            self._sealed = True
            self._start_ahead(resources)
        if not _is_test_cell(cell) or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        function = function_of(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if self._assignment is not None and function is not None:
            return self._decide_outside(cell, resources, index, function)
        nonce = secrets.token_hex(8)
        original = cell.source
        cell.source = original.rstrip() + "\n" + _CONFIRM.format(nonce=nonce)
        try:
            result = super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original
        self._check_evidence(cell, nonce)
        return result

    # -- one test cell, decided outside the kernel ---------------------------------------------

    def _check_environment(self, index: int) -> None:
        """Run :data:`ENVIRONMENT_PROBE` in the fresh kernel; raise :class:`GradingSetupError`
        when it does not see the grader's course package."""
        import qkv_course

        text = self._run_quietly(ENVIRONMENT_PROBE, index)
        found = _PROBE_LINE.search(text)
        why = environment_mismatch(found.group(1).strip() if found else None, qkv_course.__file__)
        if why:
            self.log.error("Grading setup: %s", why)
            raise GradingSetupError(why)

    def _run_quietly(self, source: str, index: int) -> str:
        """Run the grader's own ``source`` in the kernel, outside the notebook (before any of its
        code): its printed text."""
        cell = NotebookNode(cell_type="code", source=source, metadata={}, outputs=[],
                            execution_count=None, id="qkv-grader")
        original = self.nb.cells[index]
        try:
            self.execute_cell(cell, index, store_history=False)
        finally:
            self.nb.cells[index] = original
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        if "[qkv-grade hand-in]" in text:
            self.log.warning("The files handed in beside the notebook did not all fit in the "
                             "kernel's working directory: %s", text.strip())
        return text

    def _decide_outside(self, cell: NotebookNode, resources: t.Any, index: int, function: str
                        ) -> tuple[NotebookNode, t.Any]:
        """Decide a test cell in the grader's process (see the module docstring)."""
        assert self._assignment is not None
        self._deciding = index
        try:
            return self._decide(cell, resources, index, function)
        finally:
            self._deciding = None

    def _decide(self, cell: NotebookNode, resources: t.Any, index: int, function: str
                ) -> tuple[NotebookNode, t.Any]:
        assert self._assignment is not None
        hidden = cell.metadata["nbgrader"]["grade_id"].endswith("_hidden")
        check, reference = self._assignment.check(function)
        cell_key = (self._assignment.name, cell.metadata["nbgrader"]["grade_id"])
        names = _LAST_NAMES.get(cell_key) or (
            self._names | {function} if self._names is not None else self._assignment.functions())
        replay = Replay(function, reference, names=names, memo=_FIRST_RUNS)
        verdict = replay.run(check, hidden=hidden)
        original, first, rounds = cell.source, True, 0
        result: tuple[NotebookNode, t.Any] = (cell, resources)
        while verdict is None:
            if rounds == MAX_ROUNDS:
                verdict = Verdict(f"the grader stopped checking {function} after {MAX_ROUNDS} rounds "
                                  "of questions to your notebook; this test scores 0.", rounds)
                break
            rounds += 1
            nonce = secrets.token_hex(8)
            try:
                path = self._write_request(replay, nonce)
            except OSError as error:  # the notebook tampered with the kernel's IPC directory
                verdict = Verdict(f"the grader could not hand this test's inputs to your notebook "
                                  f"({type(error).__name__}: was the kernel's connection directory "
                                  "changed?). This test scores 0.", rounds, unconfirmed=True)
                break
            code = _ANSWER.format(nonce=nonce, path=path, function=function)
            self._emitted.pop(index, None)
            helpers = replay.helpers()
            start = self.km.reset_peak() if replay.measured() else None
            with self._serving(nonce, helpers):
                if first:
                    cell.source = code
                    try:
                        result = super().preprocess_cell(cell, resources, index)
                    finally:
                        cell.source = original
                    first = False
                else:
                    extra = NotebookNode(cell_type="code", source=code, metadata={}, outputs=[],
                                         execution_count=None, id=f"qkv-round-{rounds}")
                    try:
                        self.execute_cell(extra, index, store_history=False)
                    finally:
                        self.nb.cells[index] = cell  # nbclient stores the cell it ran at index
                    cell.outputs.extend(o for o in extra.outputs)
            if _has_error(cell):
                return result  # the kernel could not answer (a timeout, a broken name): 0
            emitted = self._emitted.pop(index, [])
            mine = [_blob(e) for e in emitted if _nonce(e) == nonce]
            try:
                replay.accept(nonce, [b for b in mine if b is not None],
                              foreign=len(emitted) - len(mine) + mine.count(None),
                              peak=self.km.peak_since(start))
            except ForgedResults as forged:
                verdict = Verdict(f"this test did not run as written: {forged}. The grader only accepts "
                                  "the results your functions produce for its own inputs, published once "
                                  "per test (was the notebook's way of running cells changed?). This test "
                                  "scores 0.", rounds, unconfirmed=True)
                break
            self._names = _LAST_NAMES[cell_key] = frozenset(replay.names)
            verdict = replay.run(check, hidden=hidden)
        cell.outputs = [o for o in cell.outputs
                        if not (o.get("output_type") == "stream" and not o.get("text"))]
        if verdict.error is None:
            kind = "hidden" if hidden else "visible"
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout",
                                             text=f"{function} passes the {kind} tests.\n"))
        else:
            ename = UNCONFIRMED if verdict.unconfirmed else FEEDBACK
            cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=verdict.error,
                                             traceback=[f"{ename}: {verdict.error}"]))
        return result

    def _write_request(self, replay: Replay, nonce: str) -> str:
        """Write the request file where the kernel can read it and not write: a folder of the
        kernel's IPC directory (mounted at the same path in the sandbox), the grader's own. Its
        path, the same for the kernel."""
        host_dir = os.path.join(self.km._ipc_dir, "requests")
        os.makedirs(host_dir, mode=0o755, exist_ok=True)
        oracle = self._oracle_path() if replay.helpers() else None
        # the kernel owns the IPC directory and could put a link where the folder or the file
        # goes: neither is followed, and the file is new
        folder = os.open(host_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fd = os.open(f"{nonce}.qkvpack", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644,
                         dir_fd=folder)
        finally:
            os.close(folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(replay.request(nonce, oracle))
            os.fchmod(handle.fileno(), 0o644)
        return os.path.join(host_dir, f"{nonce}.qkvpack")

    def _oracle_path(self) -> str:
        if self._oracle is None:
            self._oracle = Oracle(os.path.join(self.km._ipc_dir, "oracle"))
        return self._oracle.path

    @contextlib.contextmanager
    def _serving(self, nonce: str, helpers: dict[str, t.Any]) -> t.Iterator[None]:
        if not helpers or self._oracle is None:
            yield
            return
        with self._oracle.serving(nonce, helpers):
            yield

    def _check_evidence(self, cell: NotebookNode, nonce: str) -> None:
        seen = False
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                found = EVIDENCE.findall(text)
                if found:
                    seen = seen or nonce in found
                    output["text"] = EVIDENCE.sub("", text)
            elif output.get("output_type") == "error":
                # IPython shows the cell's lines around an error: not the line the grader added
                output["traceback"] = ["\n".join(line for line in frame.split("\n") if nonce not in line)
                                       for frame in output.get("traceback", [])]
        cell["outputs"] = [o for o in cell.get("outputs", [])
                           if not (o.get("output_type") == "stream" and o.get("text") == "")]
        if not seen and not _has_error(cell):
            cell["outputs"].append(_error(
                UNCONFIRMED, "this test did not run as written: its code was changed, skipped or "
                "its errors were hidden while the notebook ran (an IPython input transformer, "
                "hook or patched shell in the notebook?). It scores 0."))

    # -- output, capped ---------------------------------------------------------------------------

    def process_message(self, msg: dict[str, t.Any], cell: NotebookNode, cell_index: int
                        ) -> NotebookNode | None:
        kind = msg.get("msg_type")
        if kind not in OUTPUT_MESSAGES:
            return super().process_message(msg, cell, cell_index)
        content = msg.get("content")
        if not isinstance(content, dict):
            return None
        size = _content_bytes(content)
        data = content.get("data")
        if kind == "display_data" and isinstance(data, dict) and MIME in data:
            self._take_answer(data[MIME], size, cell_index)  # out of the notebook, see _decide
            return None
        self._output_bytes += size
        if self._output_bytes <= self.output_limit:
            return super().process_message(msg, cell, cell_index)
        return self._past_cap(msg, cell, cell_index)

    def _past_cap(self, msg: dict[str, t.Any], cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        """An output message past the notebook's cap: dropped, but for the test-ran markers in it;
        the first one in a cell leaves a note."""
        if cell_index not in self._capped:
            self._capped.add(cell_index)
            cell.setdefault("outputs", []).append(NotebookNode(
                output_type="stream", name="stdout",
                text=f"\n[output beyond {self.output_limit} bytes in all was dropped by the grader]\n"))
        markers = _markers(msg["content"].get("text")) if msg.get("msg_type") == "stream" else ""
        if not markers:
            return None
        return super().process_message({**msg, "content": {**msg["content"], "text": markers}}, cell, cell_index)

    def on_cell_executed(self, **kwargs: t.Any) -> None:
        """nbgrader's hook: an error reply whose error is not among the cell's outputs (a time
        limit, or the error message dropped by the cap) becomes one, clipped."""
        cell, content = kwargs["cell"], kwargs["execute_reply"].get("content", {})
        if content.get("status") != "error":
            return
        if not any(o.get("output_type") == "error" and o.get("ename") == content.get("ename")
                   for o in cell.get("outputs", [])):
            cell.setdefault("outputs", []).append(_reply_error(content))

    def _take_answer(self, emission: t.Any, size: int, cell_index: int) -> None:
        """Keep a test's published results for :meth:`_decide`: only from the test cell it is
        deciding, and only ``answer_limit`` bytes of them per cell."""
        if self._deciding != cell_index:
            return
        used = self._answer_bytes.get(cell_index, 0) + size
        self._answer_bytes[cell_index] = used
        if used <= self.answer_limit:
            self._emitted.setdefault(cell_index, []).append(emission)


#: The error outputs that name a problem of their cell: ename -> the problem.
_CELL_PROBLEMS = {"CellTimeoutError": Problem.CELL_TIMEOUT, "MemoryError": Problem.MEMORY,
                  UNCONFIRMED: Problem.UNCONFIRMED}


def problems(nb: dict) -> dict[Problem, int]:
    """What an autograded notebook (as read from JSON) records of its problems: each
    :class:`Problem` with the number of cells it hit (1 for the stop of the whole notebook)."""
    found: dict[Problem, int] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            kind = _CELL_PROBLEMS.get(out.get("ename")) if out.get("output_type") == "error" else None
            if kind is not None:
                found[kind] = found.get(kind, 0) + 1
    stopped = (nb.get("metadata", {}).get(METADATA) or {}).get("stopped")
    if stopped in {p.value for p in STOPS}:
        found[Problem(stopped)] = 1
    return found
