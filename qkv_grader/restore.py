"""Put a submitted notebook back into the shape of the released one before grading: :class:`RestoreCells`.

Students delete, duplicate, re-type and reorder cells, and some editors strip cell metadata.
nbgrader's own answer (``OverwriteCells.add_missing_cells``) crashes on a notebook whose cells
lost their metadata or that holds a duplicated test cell, and without it a deleted test cell is
simply not graded. :class:`RestoreCells` runs first among the sanitising steps and rebuilds the
notebook on the released notebook (``notebooks/<assignment>/<name>.ipynb``):

* every cell of the release comes back, in the release's order: markdown, the locked cells and
  every test cell (nbgrader's ``OverwriteCells`` then restores their source, hidden tests included);
* each answer cell takes the student's code, found by its ``grade_id``, else by the cell ``id``
  it had in the release (that survives stripped metadata), else it keeps the release's stub;
* the student's own cells (scratch work, helpers) are kept, after the recognised cell they
  followed; a second copy of a test or answer cell becomes an ordinary cell of the student's,
  which is run but never graded and never replaces the real one.

Cells of the student's that the release marked as a test or locked cell are never the student's:
their source always comes from the release.
"""

from __future__ import annotations

import copy
import os
import secrets
import typing as t

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

__all__ = ["RestoreCells", "restore_cells"]


def _nbgrader(cell: NotebookNode) -> dict[str, t.Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _strip(cell: NotebookNode) -> NotebookNode:
    """The student's cell as an ordinary one (no nbgrader metadata, a fresh id)."""
    cell = copy.deepcopy(cell)
    cell.get("metadata", {}).pop("nbgrader", None)
    cell["id"] = "student-" + secrets.token_hex(4)
    return cell


def restore_cells(submitted: NotebookNode, release: NotebookNode) -> NotebookNode:
    """``submitted`` rebuilt on ``release`` (see the module docstring); a new notebook."""
    by_grade_id = {_nbgrader(c).get("grade_id"): i for i, c in enumerate(release.cells)
                   if _nbgrader(c).get("grade_id")}
    by_cell_id = {c.get("id"): i for i, c in enumerate(release.cells) if c.get("id")}

    matched: dict[int, NotebookNode] = {}      # release index -> the student's cell for it
    after: dict[int, list[NotebookNode]] = {}  # release index (-1: before all) -> own cells
    last = -1
    for cell in submitted.cells:
        gid = _nbgrader(cell).get("grade_id")
        index = by_grade_id.get(gid) if gid else None
        if index is None and cell.get("id") in by_cell_id:
            index = by_cell_id[cell.get("id")]
        if index is not None and index not in matched:
            matched[index] = cell
            last = index
        else:
            after.setdefault(last, []).append(_strip(cell))

    out = copy.deepcopy(release)
    cells = list(after.get(-1, []))
    for index, template in enumerate(release.cells):
        cell = copy.deepcopy(template)
        mine = matched.get(index)
        meta = _nbgrader(template)
        if mine is not None and meta.get("solution") and not meta.get("locked"):
            cell.source = mine.get("source", "")  # the student's answer, in the release's cell
        elif mine is not None and not meta:
            cell = copy.deepcopy(mine)            # an ungraded cell the student may have edited
            cell.get("metadata", {}).pop("nbgrader", None)
            cell["cell_type"] = template.cell_type
            if template.cell_type != "code":
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            elif "outputs" not in cell:
                cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
        cells.extend(after.get(index, []))
    out.cells = cells
    out.metadata = copy.deepcopy(submitted.get("metadata", out.metadata))
    return out


class RestoreCells(Preprocessor):
    """nbgrader sanitising step (``Autograde.sanitize_preprocessors``, before ``OverwriteCells``):
    rebuild the submission on the released notebook of the course (see the module docstring).
    Without a released notebook it changes nothing."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, t.Any]) -> tuple[NotebookNode, dict[str, t.Any]]:
        from nbgrader.coursedir import CourseDirectory

        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        path = os.path.join(coursedir.format_path(coursedir.release_directory, ".", info.get("assignment", "")),
                            f"{info.get('notebook', '')}.ipynb")
        if not os.path.isfile(path):
            self.log.warning("RestoreCells: no released notebook at %s; the submission is graded as it is", path)
            return nb, resources
        release = nbformat.read(path, as_version=4)
        return restore_cells(nb, release), resources
