"""What every assignment grades, read from the nbgrader metadata of its source notebooks.

The instructor guide's table of points and the tests both come from here, so the
points written down anywhere are the points nbgrader actually awards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GradedItem", "function_of", "graded_items", "points_table"]


@dataclass(frozen=True)
class GradedItem:
    """One graded function of one assignment, with the points of its test cells."""

    assignment: str
    notebook: str
    function: str
    visible: int
    hidden: int

    @property
    def total(self) -> int:
        return self.visible + self.hidden


_TEST_ID = re.compile(r"test_(?P<function>\w+?)_(?P<kind>visible|hidden)")


def function_of(grade_id: str | None) -> str | None:
    """The graded function a test cell belongs to (``test_softmax_hidden`` -> ``softmax``), or None."""
    match = _TEST_ID.fullmatch(grade_id or "")
    return match["function"] if match else None


def graded_items(solutions: Path) -> list[GradedItem]:
    """Every graded function in ``solutions/<assignment>/*.ipynb``, in notebook order.

    Test cells are named ``test_<function>_visible`` and ``test_<function>_hidden``; a graded
    cell named otherwise raises ``ValueError``.
    """
    items: list[GradedItem] = []
    for path in sorted(Path(solutions).glob("*/*.ipynb")):
        points: dict[str, dict[str, int]] = {}
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            match = _TEST_ID.fullmatch(meta.get("grade_id", ""))
            if match is None:
                raise ValueError(f"{path}: graded cell {meta.get('grade_id')!r} is not named "
                                 "test_<function>_visible or test_<function>_hidden")
            points.setdefault(match["function"], {})[match["kind"]] = int(meta.get("points", 0))
        items += [GradedItem(path.parent.name, path.name, fn, p.get("visible", 0), p.get("hidden", 0))
                  for fn, p in points.items()]
    return items


def points_table(items: list[GradedItem]) -> str:
    """A Markdown table of the items, with a total per assignment. The notebook is named only
    where an assignment has more than one (the table must fit a book page)."""
    rows = ["| assignment | function or question | visible | hidden | points |", "|---|---|---|---|---|"]
    for assignment in dict.fromkeys(i.assignment for i in items):
        mine = [i for i in items if i.assignment == assignment]
        several = len({i.notebook for i in mine}) > 1
        for i in mine:
            where = f"{assignment}/{i.notebook}" if several else assignment
            rows.append(f"| `{where}` | `{i.function}` | {i.visible} | {i.hidden} | {i.total} |")
        rows.append(f"| | **total** | {sum(i.visible for i in mine)} | {sum(i.hidden for i in mine)} "
                    f"| **{sum(i.total for i in mine)}** |")
    return "\n".join(rows)
