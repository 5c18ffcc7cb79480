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
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
import numpy as np

__all__ = ["Step", "block_steps", "block_figure", "qkv_flow_figure", "mask_grids_figure", "head_split_figure",
           "online_softmax_figure", "labels"]

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
    gap, width, height, radius = 1.0, 2.9, 0.62, 0.2
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
    fig, axes = plt.subplots(1, 2, figsize=(4.6, 3.9))
    _draw(axes[0], block_steps(pre_norm=False), "Post-norm (BERT, MiniLM)")
    _draw(axes[1], block_steps(pre_norm=True), "Pre-norm (GPT-2, Llama)")
    fig.tight_layout()
    return fig


def _box(ax, x: float, y: float, text: str, note: str = "", width: float = 2.3, height: float = 0.62,
         color: str = _BOX) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.12", facecolor=color,
                                edgecolor=_EDGE, linewidth=1.2))
    ax.text(x, y + (0.1 if note else 0), text, ha="center", va="center", fontsize=10)
    if note:
        ax.text(x, y - 0.18, note, ha="center", va="center", fontsize=8.5, color="#333333")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], text: str = "") -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=_EDGE, linewidth=1.2))
    if text:
        ax.text((start[0] + end[0]) / 2 + 0.1, (start[1] + end[1]) / 2, text, ha="left", va="center",
                fontsize=8.5, color="#333333")


def qkv_flow_figure(n: int = 6, d_model: int = 8, d_k: int = 4, d_v: int = 4) -> Figure:
    """Chapter 4: from token vectors X to attention's output, every matrix with its shape."""
    fig, ax = plt.subplots(figsize=(4.2, 4.6))
    _box(ax, 0, 0, "X", f"({n}, {d_model}) tokens", color=_NORM)
    for x, name, d in ((-2.5, "Q = X W_q", d_k), (0, "K = X W_k", d_k), (2.5, "V = X W_v", d_v)):
        _arrow(ax, (0, -0.33), (x, -1.17))
        _box(ax, x, -1.5, name, f"({n}, {d})")
    _box(ax, -1.25, -3.0, "S = Q Kᵀ / √d_k", f"scores ({n}, {n})", width=2.6)
    _arrow(ax, (-2.5, -1.83), (-1.6, -2.67))
    _arrow(ax, (0, -1.83), (-0.9, -2.67))
    _box(ax, -1.25, -4.5, "softmax of each row", f"weights ({n}, {n})", width=3.0)
    _arrow(ax, (-1.25, -3.33), (-1.25, -4.17))
    _box(ax, 0.6, -6.0, "weights V", f"output ({n}, {d_v})", width=2.3, color=_NORM)
    _arrow(ax, (-1.0, -4.83), (0.2, -5.67))
    _arrow(ax, (2.5, -1.83), (1.0, -5.67))
    ax.set_xlim(-3.9, 3.9)
    ax.set_ylim(-6.6, 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def _grid(ax, mask: np.ndarray, rows: list[str], cols: list[str], title: str) -> None:
    """A boolean mask as a grid: allowed cells plain with a dot, blocked cells grey and hatched
    (readable without colour)."""
    n_q, n_k = mask.shape
    for i in range(n_q):
        for j in range(n_k):
            ok = bool(mask[i, j])
            ax.add_patch(Rectangle((j, n_q - 1 - i), 1, 1, facecolor="#ffffff" if ok else "#c8c8c8",
                                   hatch="" if ok else "///", edgecolor="#555555", linewidth=0.8))
            if ok:
                ax.text(j + 0.5, n_q - 0.5 - i, "●", ha="center", va="center", fontsize=8, color=_EDGE)
    ax.set_xticks(np.arange(n_k) + 0.5, cols, rotation=60, fontsize=9)
    ax.set_yticks(np.arange(n_q) + 0.5, rows[::-1], fontsize=9)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    ax.set_xlim(0, n_k)
    ax.set_ylim(0, n_q)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10, pad=34)
    for side in ax.spines.values():
        side.set_visible(False)


def mask_grids_figure(tokens: list[str], pad: int, source: list[str], causal: np.ndarray,
                      padding: np.ndarray, cross: np.ndarray) -> Figure:
    """Chapter 5: a causal, a padding and a cross-attention mask as grids over real tokens (rows:
    queries, columns: keys; a dot where the query may attend). The masks are passed in, made by
    the caller with :mod:`qkv_course.masking`, so the drawing shows exactly what the code does."""
    keys = tokens + ["[PAD]"] * pad
    # one grid above the other, so that the figure is as wide as a phone's screen and its labels
    # keep their size there
    fig, axes = plt.subplots(3, 1, figsize=(3.6, 8.6),
                             gridspec_kw={"height_ratios": [len(tokens), len(keys), len(tokens)]})
    _grid(axes[0], causal, tokens, tokens, "causal")
    _grid(axes[1], padding, keys, keys, "padding")
    _grid(axes[2], cross, tokens, source, "cross-attention")
    for ax in axes:
        ax.set_ylabel("queries", fontsize=9)
    fig.tight_layout()
    return fig


def head_split_figure(n: int = 4, d_model: int = 8, num_heads: int = 2) -> Figure:
    """Chapter 6: (n, d_model) -> reshape (n, h, d_head) -> transpose (h, n, d_head) -> attention in
    each head -> transpose back and merge (n, d_model) -> W_o. Each head's columns keep their
    colour all the way."""
    from .plotting import CATEGORICAL

    d_head = d_model // num_heads
    fig, ax = plt.subplots(figsize=(4.4, 4.6))
    cell = 0.32

    def matrix(x0: float, y0: float, rows: int, cols: int, colour_of) -> None:
        for r in range(rows):
            for c in range(cols):
                ax.add_patch(Rectangle((x0 + c * cell, y0 - (r + 1) * cell), cell, cell,
                                       facecolor=colour_of(r, c), edgecolor="white", linewidth=1))

    def head_colour(c: int) -> str:
        return CATEGORICAL[(c // d_head) % len(CATEGORICAL)]

    width = d_model * cell
    x0 = -width / 2
    matrix(x0, 0, n, d_model, lambda r, c: head_colour(c))
    ax.text(x0 + width + 0.15, -n * cell / 2, f"Q = X W_q\n({n}, {d_model})", va="center", fontsize=9)
    top2 = -n * cell - 0.9
    _arrow(ax, (0, -n * cell - 0.1), (0, top2 + 0.1), "split: reshape, transpose")
    gap = 0.35
    total = num_heads * d_head * cell + (num_heads - 1) * gap
    for h in range(num_heads):
        hx = -total / 2 + h * (d_head * cell + gap)
        matrix(hx, top2, n, d_head, lambda r, c, h=h: CATEGORICAL[h % len(CATEGORICAL)])
        ax.text(hx + d_head * cell / 2, top2 + 0.15, f"head {h + 1}", ha="center", fontsize=9)
    ax.text(total / 2 + 0.15, top2 - n * cell / 2, f"({num_heads}, {n}, {d_head})", va="center", fontsize=9)
    top3 = top2 - n * cell - 0.9
    _arrow(ax, (0, top2 - n * cell - 0.1), (0, top3 + 0.1), "attention in each head")
    for h in range(num_heads):
        hx = -total / 2 + h * (d_head * cell + gap)
        matrix(hx, top3, n, d_head, lambda r, c, h=h: CATEGORICAL[h % len(CATEGORICAL)])
    ax.text(total / 2 + 0.15, top3 - n * cell / 2, f"outputs\n({num_heads}, {n}, {d_head})", va="center", fontsize=9)
    top4 = top3 - n * cell - 0.9
    _arrow(ax, (0, top3 - n * cell - 0.1), (0, top4 + 0.1), "merge: transpose, reshape")
    matrix(x0, top4, n, d_model, lambda r, c: head_colour(c))
    ax.text(x0 + width + 0.15, top4 - n * cell / 2, f"× W_o\n({n}, {d_model})", va="center", fontsize=9)
    ax.set_xlim(-3.2, 3.4)
    ax.set_ylim(top4 - n * cell - 0.3, 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def online_softmax_figure(scores: np.ndarray, chunk: int) -> Figure:
    """Chapter 10: one query's row of scores cut into key chunks, and the running maximum m and
    sum l (relative to m) after each chunk, as chunked attention keeps them. ``scores``: (n_k,)."""
    scores = np.asarray(scores, dtype=float)
    n_k = scores.shape[0]
    chunks = [scores[i:i + chunk] for i in range(0, n_k, chunk)]
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    m, l = -np.inf, 0.0
    from .plotting import CATEGORICAL

    for c, part in enumerate(chunks):
        m_new = max(m, float(part.max()))
        l = (np.exp(m - m_new) * l if np.isfinite(m) else 0.0) + float(np.exp(part - m_new).sum())
        for j, s in enumerate(part):
            x = c * chunk + j
            ax.add_patch(Rectangle((x, 1), 1, 1, facecolor=CATEGORICAL[c % len(CATEGORICAL)], alpha=0.35,
                                   edgecolor="white"))
            ax.text(x + 0.5, 1.5, f"{s:.1f}", ha="center", va="center", fontsize=8.5)
        mid = c * chunk + len(part) / 2
        ax.text(mid, 0.55, f"chunk {c + 1}", ha="center", va="center", fontsize=9)
        ax.text(mid, 0.1, f"m = {m_new:.1f}", ha="center", va="center", fontsize=9)
        ax.text(mid, -0.35, f"l = {l:.2f}", ha="center", va="center", fontsize=9)
        rescale = f"old l × {np.exp(m - m_new):.2f}" if c else "start: m = -inf"
        ax.text(mid, -0.8, rescale, ha="center", va="center", fontsize=8.5, color="#c0392b")
        m = m_new
    ax.text(-0.2, 1.5, "scores", ha="right", va="center", fontsize=9)
    ax.text(-0.2, -0.8, "e^(m - m')", ha="right", va="center", fontsize=8.5, color="#c0392b")
    ax.set_xlim(-1.6, n_k + 0.2)
    ax.set_ylim(-1.2, 2.2)
    ax.axis("off")
    fig.tight_layout()
    return fig


def labels(fig: Figure) -> list[str]:
    """Every text of ``fig``, top to bottom within each panel (titles included)."""
    out = []
    for ax in fig.axes:
        out.append(ax.get_title())
        out.extend(t.get_text() for t in sorted(ax.texts, key=lambda t: -t.get_position()[1]))
    return out
