"""Write a problem set's question cells into its source notebook (an authoring tool).

    python scripts/question_cells.py solutions/ps02_softmax/softmax.ipynb spec.py

``spec.py`` defines ``CHAPTER`` (the chapter key: ``softmax``), ``BEFORE`` (the grade_id of the
cell the questions go before), ``SECTION`` (the section's number), optionally ``NOTE`` (a sentence
added to the section's introduction, :data:`INTRO`) and ``QUESTIONS``, a list of
dicts with ``name`` (the notebook global, as in ``QUESTIONS`` of ``qkv_course.checks.<chapter>``),
``text`` (the question's Markdown), ``answer`` (the solution, a Python dict literal) and
``points``. Each question becomes four cells: its text, the answer cell (the template of
``qkv_course.checks.questions.Question.template`` and the solution), a visible test of the form
(0 points) and a hidden test (``points``). Cells the tool wrote before are replaced, so it can
be run again after editing the spec. Then ``nbgrader generate_assignment <assignment> --force``
writes the released notebook.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import nbformat


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: int | None = None,
          locked: bool = True) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


#: How every problem set introduces its questions (then the spec's NOTE, if any).
INTRO = ("Answer these by reasoning, with pen and paper or with your own code above. Each answer is a\n"
         "dict with the parts its template names; the visible test checks only that every part is there\n"
         "and of the right kind, and the hidden test, when your notebook is graded, gives the points only\n"
         "if every part is right.")


def heading(section: int, questions: list[dict], note: str = "") -> str:
    """The questions section's Markdown: its title, with the points, and :data:`INTRO`."""
    points = sum(int(q["points"]) for q in questions)
    return f"## {section}. Questions ({points} points)\n\n{INTRO}" + (f" {note}" if note else "")


def spec_cells(spec) -> list:
    """The cells of a spec module (see the module docstring)."""
    return cells(spec.CHAPTER, heading(spec.SECTION, spec.QUESTIONS, getattr(spec, "NOTE", "")),
                 spec.QUESTIONS)


def cells(chapter: str, heading: str, questions: list[dict]) -> list:
    checks = importlib.import_module(f"qkv_course.checks.{chapter}")
    out = [nbformat.v4.new_markdown_cell(heading, id="questions", metadata=_meta("questions"))]
    for q in questions:
        name, points = q["name"], int(q["points"])
        template = checks.QUESTIONS[name].question.template
        check = f"check_{name}"
        out += [
            nbformat.v4.new_markdown_cell(q["text"].strip(), id=f"{name}-text", metadata=_meta(f"{name}_text")),
            nbformat.v4.new_code_cell(
                f"# Your answer: a value in place of each None (then delete the raise line below).\n"
                f"{name} = {template}\n"
                f"### BEGIN SOLUTION\n{name} = {q['answer'].strip()}\n### END SOLUTION",
                id=name.replace("_", "-"), metadata=_meta(name, solution=True, locked=False)),
            nbformat.v4.new_code_cell(
                f"# Checks the form of your answer only (0 points): whether it is right is graded\n"
                f"# when you hand the notebook in.\nfrom qkv_course.checks.{chapter} import {check}\n\n"
                f"{check}({name})\nprint(\"{name} has the expected form.\")",
                id=f"test-{name.replace('_', '-')}-visible",
                metadata=_meta(f"test_{name}_visible", grade=True, points=0)),
            nbformat.v4.new_code_cell(
                f"# Hidden test for {name} ({points} points, every part right) runs when your "
                f"notebook is graded.\n### BEGIN HIDDEN TESTS\nfrom qkv_course.checks.{chapter} "
                f"import {check}\n\n{check}({name}, hidden=True)\n### END HIDDEN TESTS",
                id=f"test-{name.replace('_', '-')}-hidden",
                metadata=_meta(f"test_{name}_hidden", grade=True, points=points)),
        ]
    return out


def main(notebook: str, spec_path: str) -> None:
    spec_file = importlib.util.spec_from_file_location("question_spec", spec_path)
    spec = importlib.util.module_from_spec(spec_file)
    spec_file.loader.exec_module(spec)
    nb = nbformat.read(notebook, as_version=4)
    new = spec_cells(spec)
    ours = {c.metadata["nbgrader"]["grade_id"] for c in new}
    kept = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in ours]
    where = next(i for i, c in enumerate(kept) if c.metadata.get("nbgrader", {}).get("grade_id") == spec.BEFORE)
    nb.cells = kept[:where] + new + kept[where:]
    nbformat.validate(nb)
    nbformat.write(nb, notebook)
    print(f"{notebook}: {len(spec.QUESTIONS)} questions before {spec.BEFORE}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
