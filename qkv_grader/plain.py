"""Plain ``nbgrader autograde`` stages submissions as ``qkv-grade`` does.

nbgrader copies a submission's "other files" with ``shutil.copy``, which follows symbolic links
(a link to ``../../../gradebook.db``, to a classmate's notebook or to ``/etc/shadow`` becomes
that file's contents beside the notebook), and reads the notebooks where they were handed in.
``qkv-grade`` grades a private staged copy instead (:func:`qkv_grader.classgrade.stage_submission`:
regular files only; links, special files and Python packages or modules left out and reported;
nbformat 3 upgraded). nbgrader has no setting for where autograde reads submissions from per
run, nor a hook that runs before it lists them, so :func:`install` wraps ``Autograde.start``
(``nbgrader_config.py`` calls it): the matching submissions are staged under
``.qkv-grade/plain/submitted/`` and the run reads them from there. Nothing in ``submitted/`` is
changed. Meanwhile, the kernel's interpreter, in the kernel's sandbox, checks that it sees the
grader's course package (:func:`qkv_grader.execute.check_environment`): a mismatched environment
stops the run with an error that names both, before the gradebook is touched (a kernel that
cannot start at all is caught at the first notebook: see
:meth:`qkv_grader.execute.SandboxedExecute._kernel_can_start`). The run tells the execute step
nbgrader's list of notebooks (:func:`qkv_grader.execute.grade_in_order`), so that each kernel
starts while the notebook before it runs. A run that already reads a staged folder
(``qkv-grade``'s workers, after qkv-grade's own check) is left alone.
"""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path

__all__ = ["install", "stage_for_plain_run"]

#: Where a plain run's staged copies go, under the course's root.
PLAIN_STAGING = Path(".qkv-grade") / "plain" / "submitted"


def stage_for_plain_run(root: Path, submitted: str, assignment_id: str, student_id: str,
                        expected: t.Callable[[str], list[str]], log: t.Any) -> Path:
    """Stage every submission ``submitted/<student_id>/<assignment_id>`` (glob patterns, as
    nbgrader takes them) of the course at ``root``; returns the staging root. Problems are logged
    as warnings, one line each, naming the student."""
    from .classgrade import stage_submission

    staging = root / PLAIN_STAGING
    for source in sorted((root / submitted).glob(f"{student_id}/{assignment_id}")):
        if not source.is_dir() or source.is_symlink():
            continue
        student, assignment = source.parent.name, source.name
        for problem in stage_submission(source, staging / student / assignment, expected(assignment)):
            log.warning("%s/%s: %s", student, assignment, problem)
    return staging


def _expected(db_url: str, assignment: str) -> list[str]:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(db_url) as gb:
            return sorted(f"{nb.name}.ipynb" for nb in gb.find_assignment(assignment).notebooks)
    except MissingEntry:
        return []  # nbgrader itself reports the unknown assignment


def install() -> None:
    """Wrap ``nbgrader.converters.Autograde.start`` so that it grades staged copies (once per
    process)."""
    from nbgrader.converters import Autograde

    if getattr(Autograde.start, "_qkv_staged", False):
        return
    original = Autograde.start

    @functools.wraps(original)
    def start(self: t.Any) -> None:
        coursedir = self.coursedir
        submitted = str(coursedir.submitted_directory)
        if ".qkv-grade" in Path(submitted).parts:  # qkv-grade staged it already
            return original(self)
        from concurrent.futures import ThreadPoolExecutor

        from .execute import GradingSetupError, check_environment, discard_ahead, grade_in_order

        # the environment check (the kernel's interpreter started in its sandbox) runs while the
        # submissions are staged: staging writes only its own folder, and nothing reaches the
        # gradebook until both are done
        with ThreadPoolExecutor(1, thread_name_prefix="qkv-environment") as pool:
            checked = pool.submit(check_environment, parent=self)
            try:
                staging = stage_for_plain_run(
                    Path(coursedir.root), submitted, coursedir.assignment_id or "*",
                    coursedir.student_id or "*",
                    # the gradebook opened once per assignment, not per student
                    functools.cache(functools.partial(_expected, coursedir.db_url)), self.log)
            finally:
                try:  # before anything is written: a broken setup stops the run, never grades 0
                    checked.result()
                except GradingSetupError as error:
                    self.log.error("Grading setup: %s", error)
                    raise
        coursedir.submitted_directory = str(staging)
        listed = self.init_notebooks

        def init_notebooks() -> None:
            # nbgrader's own list, in its order: each kernel starts while the notebook before it
            # is written up (qkv_grader.execute.grade_in_order)
            listed()
            grade_in_order(nb for folder in sorted(self.assignments) for nb in sorted(self.assignments[folder]))

        self.init_notebooks = init_notebooks
        try:
            return original(self)
        finally:
            coursedir.submitted_directory = submitted
            del self.init_notebooks
            grade_in_order(())
            discard_ahead()

    start._qkv_staged = True  # type: ignore[attr-defined]
    Autograde.start = start
