"""A preprocessor for ``nbgrader autograde``: output on stderr never costs points.

nbgrader scores a test cell as failed when it has *any* stderr output (its issue #1904), so a
correct answer that triggers a torch ``UserWarning`` or a numpy ``RuntimeWarning`` would lose the
points of every test that calls it. The checks already catch Python warnings and ``sys.stderr``
while they call the student's code (:func:`qkv_course.checks.core.call_student`), but some
output gets past that: a ``logging`` handler set up in the student's cell keeps the stderr stream
it saw then, and threads or finalizers can write after the call returns. :class:`StderrIsNotFailure` runs after the notebook is executed and
before nbgrader saves the grades: in every graded test cell it turns stderr stream outputs into
stdout ones, so the student still reads them and only a raised error fails the test.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

__all__ = ["StderrIsNotFailure", "stderr_to_stdout"]

NOTE = "[written to stderr; this does not cost points]\n"


def stderr_to_stdout(nb: NotebookNode) -> NotebookNode:
    """Relabel the stderr outputs of every graded, non-answer code cell of ``nb`` (in place)."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
                output["text"] = NOTE + output.get("text", "")
    return nb


class StderrIsNotFailure(Preprocessor):
    """nbconvert preprocessor for ``Autograde.autograde_preprocessors``, placed before
    ``SaveAutoGrades``: see the module docstring."""

    enabled = Bool(True).tag(config=True)  # nbconvert skips preprocessors that are not enabled

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        return stderr_to_stdout(nb), resources
