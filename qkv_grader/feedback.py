"""What students see in their feedback: scores and messages, never the hidden tests.

nbgrader's ``generate_feedback`` renders the *autograded* notebook, in which the hidden tests
have been put back, and each failing test's full traceback, which quotes the test cell's source
and the grading code line by line (nbgrader issues #917, #1363). :class:`HideHiddenTests` runs
in ``generate_feedback`` (see ``nbgrader_config.py``) and, in every graded test cell:

* removes the region between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` from the
  source, leaving a one-line note in its place;
* replaces each error output's traceback by its last line, ``FeedbackError: <message>``: the
  targeted message written for the student, without the code that produced it.

Scores are read from the gradebook, so hiding sources changes no points.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

__all__ = ["HideHiddenTests", "hide_hidden_tests"]

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
NOTE = "# Hidden tests ran here when your notebook was graded; their result is shown below."


def _strip_region(source: str) -> tuple[str, bool]:
    lines, kept, inside, found = source.split("\n"), [], False, False
    for line in lines:
        if BEGIN in line:
            inside, found = True, True
            kept.append(line[: line.index(BEGIN)] + NOTE)
        elif END in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept), found


def hide_hidden_tests(nb: NotebookNode) -> NotebookNode:
    """Remove hidden-test sources and test tracebacks from every graded cell of ``nb`` (in place)."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        cell.source, hidden = _strip_region(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        if hidden:
            meta["hidden_tests_removed"] = True
    return nb


class HideHiddenTests(Preprocessor):
    """nbconvert preprocessor for ``GenerateFeedback.preprocessors``: see the module docstring.
    Enabled by default (nbconvert's preprocessors are not), as nbgrader registers it by class."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        return hide_hidden_tests(nb), resources
