"""How long each source notebook takes to run top to bottom, against its budget on 2 cores:
10 s, or 30 s for ps11 (which loads a pretrained transformer and trains a small model).

Run from the repository root:  .venv/bin/python benchmarks/solution_runtimes.py
Prints, per notebook, the wall time of a fresh kernel executing every cell (kernel start
included, as in `nbgrader autograde`), the time the cells themselves took, and the ratio to
the budget.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BUDGET_S = 10.0
BUDGET_S = {"ps11_trained": 30.0}


def _cell_seconds(nb: nbformat.NotebookNode) -> float:
    total = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()
    return total


def main() -> None:
    print(f"{os.cpu_count()} CPUs")
    print(f"{'notebook':45} {'wall s':>7} {'cells s':>8} {'budget s':>9} {'wall/budget':>12}")
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.perf_counter() - start
        name = str(path.relative_to(REPO / "solutions"))
        budget = BUDGET_S.get(path.parent.name, DEFAULT_BUDGET_S)
        print(f"{name:45} {wall:7.2f} {_cell_seconds(nb):8.2f} {budget:9.0f} {wall / budget:12.2f}")


if __name__ == "__main__":
    main()
