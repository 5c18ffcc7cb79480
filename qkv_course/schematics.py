"""Schematics of the mechanisms, drawn with matplotlib when the book builds.

Each function returns a figure that shows how data flows through one mechanism; the chapters
show them with a caption and alt text. The drawings are built from a small description (boxes
top to bottom, residual connections between them), so a test can check what a figure says
(:func:`labels`) without looking at pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = ["Step", "block_steps", "block_figure", "labels"]

_BOX = "#dbe9f6"    # sublayers
_NORM = "#fde8c8"   # LayerNorm
_EDGE = "#1f3b57"


@dataclass(frozen=True)
class Step:
    """One row of a flow diagram: ``kind`` "io" (a tensor, no box), "box" (a sublayer), "norm"
    (a LayerNorm) or "add" (the residual sum, a circled +); ``skip_from``: for "add", the index
    of the step whose output the residual connection carries here."""

    kind: str
    label: str = ""
    note: str = ""
    skip_from: int | None = None


def block_steps(pre_norm: bool) -> list[Step]:
    """The steps of one transformer block, post-norm (BERT, MiniLM) or pre-norm (GPT-2 and most
    models since). X and Y have shape (n, d_model)."""
    if pre_norm:
        return [Step("io", "X", "(n, d_model)"), Step("norm", "LayerNorm"),
                Step("box", "Attention", "h heads"), Step("add", skip_from=0),
                Step("norm", "LayerNorm"), Step("box", "Feed-forward", "d → 4d → d"),
                Step("add", skip_from=3), Step("io", "Y", "(n, d_model)")]
    return [Step("io", "X", "(n, d_model)"), Step("box", "Attention", "h heads"),
            Step("add", skip_from=0), Step("norm", "LayerNorm"),
            Step("box", "Feed-forward", "d → 4d → d"), Step("add", skip_from=3),
            Step("norm", "LayerNorm"), Step("io", "Y", "(n, d_model)")]


def _draw(ax, steps: list[Step], title: str) -> None:
    gap, width, height, radius = 1.0, 2.6, 0.62, 0.2
    ys = [-i * gap for i in range(len(steps))]
    for i, (step, y) in enumerate(zip(steps, ys)):
        if step.kind in ("box", "norm"):
            ax.add_patch(FancyBboxPatch((-width / 2, y - height / 2), width, height,
                                        boxstyle="round,pad=0.02,rounding_size=0.12",
                                        facecolor=_BOX if step.kind == "box" else _NORM,
                                        edgecolor=_EDGE, linewidth=1.2))
            ax.text(0, y, step.label, ha="center", va="center", fontsize=10)
            if step.note:
                ax.text(width / 2 + 0.12, y, step.note, ha="left", va="center", fontsize=9, color="#333333")
        elif step.kind == "add":
            ax.add_patch(Circle((0, y), radius, facecolor="white", edgecolor=_EDGE, linewidth=1.2))
            ax.text(0, y, "+", ha="center", va="center", fontsize=12)
        else:
            ax.text(0, y, step.label, ha="center", va="center", fontsize=11, fontweight="bold")
            ax.text(0.3, y, step.note, ha="left", va="center", fontsize=9, color="#333333")
        if i + 1 < len(steps):   # the main path, down to the next step
            top = y - (radius if step.kind == "add" else height / 2 if step.kind != "io" else 0.22)
            nxt = steps[i + 1]
            bottom = ys[i + 1] + (radius if nxt.kind == "add" else height / 2 if nxt.kind != "io" else 0.22)
            ax.add_patch(FancyArrowPatch((0, top), (0, bottom), arrowstyle="-|>", mutation_scale=12,
                                         color=_EDGE, linewidth=1.2))
    lane = -width / 2 - 0.45
    for i, step in enumerate(steps):
        if step.kind != "add" or step.skip_from is None:
            continue
        j = step.skip_from
        start = ys[j] - (0.3 if steps[j].kind == "io" else radius + 0.12)
        ax.plot([0, lane, lane], [start, start, ys[i]], color="#c0392b", linewidth=1.4)
        ax.add_patch(FancyArrowPatch((lane, ys[i]), (-radius, ys[i]), arrowstyle="-|>", mutation_scale=12,
                                     color="#c0392b", linewidth=1.4))
    ax.text(lane - 0.12, (ys[0] + ys[-1]) / 2, "residual", rotation=90, ha="right", va="center",
            fontsize=9, color="#c0392b")
    ax.set_title(title, fontsize=11)
    ax.set_xlim(lane - 0.55, width / 2 + 1.6)
    ax.set_ylim(ys[-1] - 0.6, ys[0] + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")


def block_figure() -> Figure:
    """The post-norm and the pre-norm block side by side (:func:`block_steps`)."""
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 4.6))
    _draw(axes[0], block_steps(pre_norm=False), "Post-norm (BERT, MiniLM)")
    _draw(axes[1], block_steps(pre_norm=True), "Pre-norm (GPT-2, Llama)")
    fig.tight_layout()
    return fig


def labels(fig: Figure) -> list[str]:
    """Every text of ``fig``, top to bottom within each panel (titles included)."""
    out = []
    for ax in fig.axes:
        out.append(ax.get_title())
        out.extend(t.get_text() for t in sorted(ax.texts, key=lambda t: -t.get_position()[1]))
    return out
