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

Malformed metadata in a student's cell (``metadata`` or ``metadata.nbgrader`` that is not a
mapping, a ``grade_id`` that is not a string, ``points`` that are text, ...) never stops grading:
such a cell is matched by its cell ``id`` alone, or kept as an ordinary cell of the student's,
and every graded cell's metadata comes from the release.
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


def _metadata(cell: t.Any) -> dict[str, t.Any]:
    """The cell's metadata, or {} where the cell or its metadata is not a mapping."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    return meta if isinstance(meta, dict) else {}


def _nbgrader(cell: NotebookNode) -> dict[str, t.Any]:
    meta = _metadata(cell).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id`` where it is a non-empty string, else None."""
    gid = _nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def _cell_id(cell: NotebookNode) -> str | None:
    """The cell's ``id`` where it is a non-empty string, else None."""
    cid = cell.get("id") if isinstance(cell, dict) else None
    return cid if isinstance(cid, str) and cid else None


def _ordinary(cell: NotebookNode) -> NotebookNode:
    """A copy of ``cell`` without nbgrader metadata, its metadata a mapping, its source text."""
    cell = copy.deepcopy(cell)
    meta = _metadata(cell)
    meta.pop("nbgrader", None)
    cell["metadata"], cell["source"] = meta, _source(cell)
    return cell


def _source(cell: NotebookNode) -> str:
    """The cell's source as text ('' where it is neither text nor a list of lines)."""
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else ""


def _strip(cell: NotebookNode) -> NotebookNode:
    """The student's cell as an ordinary one (no nbgrader metadata, a fresh id)."""
    cell = _ordinary(cell)
    cell["id"] = "student-" + secrets.token_hex(4)
    return cell


def restore_cells(submitted: NotebookNode, release: NotebookNode) -> NotebookNode:
    """``submitted`` rebuilt on ``release`` (see the module docstring); a new notebook."""
    by_grade_id = {_grade_id(c): i for i, c in enumerate(release.cells) if _grade_id(c)}
    by_cell_id = {_cell_id(c): i for i, c in enumerate(release.cells) if _cell_id(c)}

    matched: dict[int, NotebookNode] = {}      # release index -> the student's cell for it
    after: dict[int, list[NotebookNode]] = {}  # release index (-1: before all) -> own cells
    last = -1
    for cell in submitted.cells:
        if not isinstance(cell, dict):
            continue  # not a cell at all: nothing to keep
        gid, cid = _grade_id(cell), _cell_id(cell)
        index = by_grade_id.get(gid) if gid else None
        if index is None and cid in by_cell_id:
            index = by_cell_id[cid]
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
            cell.source = _source(mine)           # the student's answer, in the release's cell
        elif mine is not None and not meta:
            cell = _ordinary(mine)                # an ungraded cell the student may have edited
            cell["cell_type"] = template.cell_type
            if template.cell_type != "code":
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            elif "outputs" not in cell:
                cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
        cells.extend(after.get(index, []))
    out.cells = cells
    if isinstance(submitted.get("metadata"), dict):
        out.metadata = copy.deepcopy(submitted.metadata)
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
