"""The mistakes catalogue: submission variants of every assignment, and how they are graded.

Each file ``tests/submissions/<assignment>/<name>.py`` is one student's answer to some of the
answer cells of an assignment (``# %% <grade_id>`` sections; the other cells get the reference
solution). Its header says what grading must do with it:

* ``# expect: full | partial | zero``: the points of the functions it answers (all of them, fewer
  than all, none);
* ``# feedback: <text>`` (any number): text that must appear in the error output of those
  functions' test cells;
* ``# alone: <why>``: grade it in a submission of its own (for answers that may disturb other
  cells of the notebook, e.g. by patching shared modules);
* ``# notebook: <name>.ipynb``: the notebook it answers, where an assignment has several;
* ``# stderr: <how>``: a correct answer that writes to stderr while it is graded (a warning,
  bytes on file descriptor 2), which must cost no points.

``mistake_*`` files are wrong answers that students write; ``correct_*`` files are right answers
written differently from the reference. To keep the nbgrader pipeline cheap, :func:`pack` puts
variants that answer different functions into one submission; the pipeline test then checks each
function's own test cells against its own variant.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nbgrader_course import REPO, parse_variant, strip_solution_markers
from qkv_grader.catalog import function_of

SUBMISSIONS = REPO / "tests" / "submissions"
_CHECK_IMPORT = re.compile(r"from\s+(qkv_course\.checks\.\w+)\s+import\s+(check_\w+)")


@dataclass(frozen=True)
class Variant:
    """One file of the catalogue."""

    path: Path
    answers: dict[str, str]
    expect: str
    feedback: tuple[str, ...]
    notebook: str
    alone: bool
    stderr: bool
    #: the notebook's graded functions its answers to questions call: a question's answer is read,
    #: not graded with trusted helpers, so those functions must be the reference's in its pack
    uses: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def functions(self) -> frozenset[str]:
        """The graded functions (answer cells' grade_ids) this variant answers."""
        return frozenset(self.answers)

    @property
    def is_mistake(self) -> bool:
        return self.name.startswith("mistake_")


def notebooks(assignment: str) -> list[str]:
    return sorted(p.name for p in (REPO / "solutions" / assignment).glob("*.ipynb"))


def load_variant(path: Path, assignment: str) -> Variant:
    answers, header = parse_variant(path)
    expect = header.get("expect", ["?"])[0]
    if expect not in ("full", "partial", "zero"):
        raise ValueError(f"{path}: '# expect:' must be full, partial or zero")
    if path.stem.startswith("correct_") != (expect == "full"):
        raise ValueError(f"{path}: correct_* variants expect full marks, mistake_* ones fewer")
    if not answers:
        raise ValueError(f"{path}: no '# %% <grade_id>' answer cell")
    return Variant(path, answers, expect, tuple(header.get("feedback", [])),
                   header.get("notebook", [notebooks(assignment)[0]])[0], "alone" in header,
                   "stderr" in header, _uses(assignment, answers))


def _uses(assignment: str, answers: dict[str, str]) -> frozenset[str]:
    """The graded functions that the answers to the assignment's questions call."""
    checks = importlib.import_module(f"qkv_course.checks.{assignment.split('_', 1)[1]}")
    questions = getattr(checks, "QUESTIONS", {})
    code = "\n".join(src for cell, src in answers.items() if cell in questions)
    return frozenset(f for f in getattr(checks, "CHECKS", {}) if re.search(rf"\b{re.escape(f)}\s*\(", code))


def variants(assignment: str) -> list[Variant]:
    """Every variant of the assignment, sorted by file name."""
    return [load_variant(p, assignment) for p in sorted((SUBMISSIONS / assignment).glob("*.py"))]


@dataclass
class Submission:
    """Variants graded together: they answer different cells, so each cell has one author."""

    variants: list[Variant] = field(default_factory=list)
    alone: bool = False

    def taken(self) -> set[tuple[str, str]]:
        return {(v.notebook, f) for v in self.variants for f in v.functions}

    def uses(self) -> set[tuple[str, str]]:
        return {(v.notebook, f) for v in self.variants for f in v.uses}

    def answers(self, notebook: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for v in self.variants:
            if v.notebook == notebook:
                out.update(v.answers)
        return out


def pack(items: list[Variant]) -> list[Submission]:
    """First-fit packing of variants into as few submissions as possible, deterministically.

    Variants that answer more functions are placed first; a variant marked ``alone`` gets a
    submission of its own; a variant whose answers to questions call graded functions
    (:attr:`Variant.uses`) shares a submission with no variant that answers those functions.
    """
    subs: list[Submission] = []
    for v in sorted(items, key=lambda v: (-len(v.functions), v.name)):
        cells = {(v.notebook, f) for f in v.functions}
        if v.alone:
            subs.append(Submission([v], alone=True))
            continue
        for sub in subs:
            if not sub.alone and not (sub.taken() & cells) and not (sub.uses() & cells) \
                    and not ({(v.notebook, f) for f in v.uses} & sub.taken()):
                sub.variants.append(v)
                break
        else:
            subs.append(Submission([v]))
    return subs


def checks_of(notebook: Path) -> dict[str, object]:
    """The check function each graded function's test cells call, read from the notebook's
    visible test cells (so the in-process runs grade exactly what the notebook grades)."""
    checks: dict[str, object] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if function_of(gid) and gid.endswith("_visible"):
            imp = _CHECK_IMPORT.search(cell.source)
            if imp is None:
                raise ValueError(f"{notebook.name}: {gid} does not import a check from qkv_course.checks")
            checks[function_of(gid)] = getattr(importlib.import_module(imp[1]), imp[2])
    return checks


def solutions_of(notebook: Path) -> dict[str, str]:
    """The reference code of every answer cell."""
    return {c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
            for c in nbformat.read(notebook, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def grade_in_process(notebook: Path, answers: dict[str, str]) -> dict[str, list[str]]:
    """Grade answers without nbgrader (milliseconds instead of seconds): run the notebook's
    imports cell and every answer cell the way the notebook runs them (the reference solution
    where ``answers`` has no code, all in one namespace), then the visible and hidden checks of
    each answered function. Returns the feedback of each failing check, per function."""
    from qkv_course.checks import FeedbackError, guard

    cells = nbformat.read(notebook, as_version=4).cells
    namespace: dict = {"__name__": "__main__"}
    for cell in cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "imports":
            exec(cell.source, namespace)
    solutions = solutions_of(notebook)
    checks = checks_of(notebook)
    unknown = set(answers) - set(solutions)
    if unknown:
        raise ValueError(f"answers name cells that {notebook.name} does not have: {sorted(unknown)}")
    failures: dict[str, list[str]] = {}
    try:
        for grade_id, code in solutions.items():
            exec(compile(answers.get(grade_id, code), f"<{grade_id}>", "exec"), namespace)
        for grade_id in answers:
            failures[grade_id] = []
            for hidden in (False, True):
                try:
                    checks[grade_id](namespace[grade_id], hidden=hidden)
                except FeedbackError as err:
                    failures[grade_id].append(str(err))
    finally:
        guard.restore()  # hostile variants patch numpy or torch in this process too
    return failures


def summary() -> str:
    """A Markdown table: per graded function, its mistakes (aimed at it alone) and the correct
    files that answer it, and per assignment the submissions the pipeline grades."""
    from qkv_grader.catalog import graded_items

    rows = ["| assignment | function | mistakes | correct | pipeline submissions |", "|---|---|---|---|---|"]
    for assignment in sorted({i.assignment for i in graded_items(REPO / "solutions")}):
        mine = variants(assignment)
        subs = len(pack(mine))
        for item in (i for i in graded_items(REPO / "solutions") if i.assignment == assignment):
            m = sum(v.is_mistake and v.functions == {item.function} for v in mine)
            c = sum(not v.is_mistake and item.function in v.functions for v in mine)
            rows.append(f"| `{assignment}` | `{item.function}` | {m} | {c} | {subs} |")
        rows.append(f"| `{assignment}` | all files | {sum(v.is_mistake for v in mine)} "
                    f"| {sum(not v.is_mistake for v in mine)} | {subs} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(summary())
