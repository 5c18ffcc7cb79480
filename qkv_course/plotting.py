"""Figures used by the book. Every function returns the matplotlib ``Axes`` it drew on.

Colour maps are perceptually uniform and readable by colour-blind readers
(``cividis``), and every heatmap is labelled with the items it compares.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["CATEGORICAL", "LINE_STYLES", "bar_scores", "heatmap"]

#: Colours for lines that must be told apart: the Okabe-Ito palette (blue, orange, bluish green,
#: reddish purple, vermilion, sky blue), distinguishable with the common colour-vision deficiencies.
CATEGORICAL = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")
#: Line styles to pair with CATEGORICAL, so that lines differ in more than their colour.
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 3)))


def bar_scores(
    values: np.ndarray,
    labels: Sequence[str],
    *,
    title: str = "",
    xlabel: str = "score",
    highlight: Sequence[int] = (),
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Horizontal bar chart of one number per label, first label at the top.

    values: (n,), labels: n strings. Bars whose index is in ``highlight`` are
    drawn in a contrasting colour.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(labels) != len(values):
        raise ValueError(f"need one label per value, got {len(labels)} labels for shape {values.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.28 * len(values) + 1.0))
    colours = ["#e69f00" if i in set(highlight) else "#0072b2" for i in range(len(values))]
    y = np.arange(len(values))
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax


def heatmap(
    matrix: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str = "",
    cbar_label: str = "",
    annotate: bool = True,
    fmt: str = "{:.2f}",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Labelled heatmap of a ``(rows, cols)`` matrix, with values written in the cells."""
    m = np.asarray(matrix, dtype=float)
    if m.shape != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"matrix has shape {m.shape} but there are {len(row_labels)} row and {len(col_labels)} column labels"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * len(col_labels) + 2.5, 0.4 * len(row_labels) + 1.5))
    im = ax.imshow(m, cmap="cividis", aspect="auto")
    ax.set_xticks(np.arange(len(col_labels)), col_labels, rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(len(row_labels)), row_labels)
    cbar = ax.figure.colorbar(im, ax=ax)
    if cbar_label:
        cbar.set_label(cbar_label)
    if annotate:
        mid = (np.nanmax(m) + np.nanmin(m)) / 2
        for (r, c), v in np.ndenumerate(m):
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="black" if v > mid else "white")
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax
