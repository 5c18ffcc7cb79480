"""nbgrader's ``Execute`` step, hardened for hostile notebooks: :class:`SandboxedExecute`.

It replaces ``Execute`` in ``Autograde.autograde_preprocessors`` (see ``nbgrader_config.py``),
so plain ``nbgrader autograde`` and ``qkv-grade`` (:mod:`qkv_course.classgrade`) grade alike:

* the kernel runs in the sandbox of :mod:`qkv_course.grading.sandbox` (namespaces, a few
  read-only files, an unprivileged id, memory, process and CPU limits);
* **per-cell time limit** (``Execute.timeout``): the cell is interrupted and gets a
  ``CellTimeoutError`` output; **per-notebook time limit** (``notebook_timeout``): a watchdog
  kills the kernel, e.g. when a loop swallows ``KeyboardInterrupt``;
* a kernel that dies (``os._exit``, a crash, the time limit) does not end grading: the cells that
  did not run get a ``GradingStopped`` error output, so their tests score 0 (nbgrader would
  otherwise give an unexecuted test cell full marks, or drop the whole submission);
* **evidence that each test ran**: every graded test cell is sent to the kernel with one more
  line, ``confirm('<nonce>')`` (:func:`qkv_course.grading.guard.confirm`), which prints a marker
  only if at least one check ran in that cell and none failed. A test cell with no error and no
  marker (its code was rewritten or skipped by an input transformer, a hook, a patched
  ``run_cell``, or its errors were swallowed) gets a ``GradingError`` output and scores 0. The
  marker is removed from the output, and the nonce is new for every cell and every run;
* **output cap**: a cell's outputs beyond ``output_limit`` bytes are dropped while it runs (the
  grader's memory is not the student's to fill), with a note saying so.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import typing as t

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Enum, Integer, Type

from .sandbox import SandboxedKernelManager

__all__ = ["SandboxedExecute", "GradebookLock", "EVIDENCE", "STOPPED", "UNCONFIRMED"]

#: ename of the error output given to cells that did not run because grading stopped.
STOPPED = "GradingStopped"
#: ename of the error output given to test cells that left no evidence of having run.
UNCONFIRMED = "GradingError"
#: The marker :func:`qkv_course.grading.guard.confirm` prints: ``[qkv-grade ran <nonce>]``.
EVIDENCE = re.compile(r"\[qkv-grade ran ([0-9a-f]{16})\]\n?")
_CONFIRM = "__import__('qkv_course.grading.guard', fromlist=['confirm']).confirm({nonce!r})"


class GradebookLock:
    """The lock that serialises gradebook access between ``qkv-grade``'s workers.

    A worker holds it while nbgrader reads and writes the gradebook for a submission, and
    :class:`SandboxedExecute` lets it go while the notebook runs, so that kernels run in parallel
    and the gradebook sees one writer at a time. Plain ``nbgrader autograde`` has none."""

    current: "GradebookLock | None" = None

    def __init__(self, acquire: t.Callable[[], None], release: t.Callable[[], None]) -> None:
        self._acquire, self._release = acquire, release

    @contextlib.contextmanager
    def held(self) -> t.Iterator[None]:
        self._acquire()
        previous, GradebookLock.current = GradebookLock.current, self
        try:
            yield
        finally:
            GradebookLock.current = previous
            self._release()

    @classmethod
    @contextlib.contextmanager
    def released(cls) -> t.Iterator[None]:
        lock = cls.current
        if lock is None:
            yield
            return
        lock._release()
        try:
            yield
        finally:
            lock._acquire()


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


def _has_error(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


class SandboxedExecute(Execute):
    """``Execute`` with a sandboxed kernel, a notebook time limit, a dead-kernel policy, test-ran
    evidence and an output cap (see the module docstring)."""

    kernel_manager_class = Type(SandboxedKernelManager, config=True,
                                help="The kernel manager: sandboxed by default.")
    notebook_timeout = Integer(600, help="Seconds one notebook may run in all (0: no limit).").tag(config=True)
    output_limit = Integer(4 * 1024**2, help="Bytes of output kept per cell while it runs.").tag(config=True)
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
        self._index = 0
        self._stop_reason: str | None = None
        self._output_bytes: dict[int, int] = {}
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
            with GradebookLock.released():
                if watchdog:
                    watchdog.start()
                ExecutePreprocessor.preprocess(self, nb, resources)
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as error:
            reason = self._stop_reason or self._death_message(error)
            self.log.warning("Grading stopped at cell %d: %s", self._index, reason)
            self._stop(nb, reason)
        finally:
            if watchdog:
                watchdog.cancel()
        if resources is not None:
            self.resources = resources
        return nb, resources

    def _out_of_time(self) -> None:
        self._stop_reason = (f"the notebook ran past its time limit ({self.notebook_timeout} s in "
                             "all), so the grader stopped it")
        km = getattr(self, "km", None)
        if isinstance(km, SandboxedKernelManager):
            km.kill_now()

    def _death_message(self, error: BaseException) -> str:
        code = getattr(getattr(getattr(self, "km", None), "provisioner", None), "process", None)
        code = getattr(code, "returncode", None)
        detail = f" (exit status {code})" if code is not None else ""
        if isinstance(error, DeadKernelError):
            return ("the notebook's Python process ended while it ran" + detail +
                    ": os._exit(), exit() in a cell, a crash, or running out of memory")
        if isinstance(error, CellTimeoutError):
            return (f"a cell ran past its time limit ({self.timeout} s) and did not stop when "
                    "interrupted (does it catch KeyboardInterrupt?), so the grader stopped the notebook")
        return f"the kernel stopped responding ({type(error).__name__})"

    def _stop(self, nb: NotebookNode, reason: str) -> None:
        """Give every code cell from the current one on that did not finish an error output."""
        for index, cell in enumerate(nb.cells):
            if index < self._index or cell.get("cell_type") != "code" or not cell.source.strip():
                continue
            if index == self._index or cell.get("execution_count") is None:
                if not _has_error(cell):
                    cell.setdefault("outputs", []).append(
                        _error(STOPPED, f"not graded: {reason}. This cell scores 0."))

    # -- one cell -------------------------------------------------------------------------------

    def preprocess_cell(self, cell: NotebookNode, resources: t.Any, index: int
                        ) -> tuple[NotebookNode, t.Any]:
        self._index = index
        if not _is_test_cell(cell) or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        nonce = secrets.token_hex(8)
        original = cell.source
        cell.source = original.rstrip() + "\n" + _CONFIRM.format(nonce=nonce)
        try:
            result = super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original
        self._check_evidence(cell, nonce)
        return result

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

    def output(self, outs: list[NotebookNode], msg: dict[str, t.Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        if used + size > self.output_limit:
            if used <= self.output_limit:
                note = NotebookNode(output_type="stream", name="stdout",
                                    text=f"\n[output beyond {self.output_limit} bytes was dropped by the grader]\n")
                outs.append(note)
            return None
        return super().output(outs, msg, display_id, cell_index)
