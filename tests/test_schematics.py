"""qkv_course.schematics: each drawing says what the code does (shapes, which cells a mask
blocks, the online softmax's running numbers) and stays readable at phone width (no text under
9 px high when the figure is shown 358 px wide, as on a phone 390 px wide)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from qkv_course import masking, schematics  # noqa: E402


#: A phone 390 CSS px wide shows a figure about 358 px wide (the page's margins): a text of ``f``
#: points in a figure ``w`` inches wide is then ``f / 72 * 358 / w`` px high, at least 9 px
#: (about the smallest text a phone's browser shows) where ``f / w >= 1.8``.
PHONE_PX, SMALLEST_PX = 358, 9.0


def _readable(fig) -> None:
    width, _ = fig.get_size_inches()
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.texts + [ax.title] + ax.get_xticklabels()
             + ax.get_yticklabels() if t.get_text()]
    assert sizes
    at_phone = min(sizes) / 72 * PHONE_PX / width
    assert at_phone >= SMALLEST_PX, f"the smallest text is {at_phone:.1f} px high on a phone"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_block_diagrams_have_two_sublayers_two_sums_and_two_norms_in_order():
    post, pre = schematics.block_steps(pre_norm=False), schematics.block_steps(pre_norm=True)
    assert [s.kind for s in post] == ["io", "box", "add", "norm", "box", "add", "norm", "io"]
    assert [s.kind for s in pre] == ["io", "norm", "box", "add", "norm", "box", "add", "io"]
    # every residual sum adds the input of the sublayer before it
    for steps in (post, pre):
        for i, s in enumerate(steps):
            if s.kind == "add":
                sub = max(j for j in range(i) if steps[j].kind == "box")
                assert s.skip_from < sub and steps[s.skip_from].kind in ("io", "add", "norm")
    fig = schematics.block_figure()
    text = schematics.labels(fig)
    assert text.count("LayerNorm") == 4 and text.count("+") == 4 and "Post-norm (BERT, MiniLM)" in text
    _readable(fig)


@pytest.mark.parametrize("n,d_model,d_k,d_v", [(6, 8, 4, 4), (3, 5, 2, 7)])
def test_the_qkv_flow_labels_every_shape(n, d_model, d_k, d_v):
    fig = schematics.qkv_flow_figure(n, d_model, d_k, d_v)
    text = " ".join(schematics.labels(fig))
    for shape in (f"({n}, {d_model})", f"({n}, {d_k})", f"({n}, {d_v})", f"scores ({n}, {n})",
                  f"weights ({n}, {n})", f"output ({n}, {d_v})"):
        assert shape in text
    _readable(fig)


def test_the_mask_grids_draw_exactly_the_masks():
    causal = masking.causal_mask(4)
    pad = np.broadcast_to(masking.key_padding_mask(masking.padding_mask([4], 6))[0], (6, 6))
    cross = np.broadcast_to(masking.key_padding_mask(masking.padding_mask([2], 3))[0], (4, 3))
    fig = schematics.mask_grids_figure(["a", "b", "c", "d"], 2, ["x", "y", "[PAD]"], causal, pad, cross)
    for ax, mask in zip(fig.axes, (causal, pad, cross)):
        blocked = [p for p in ax.patches if p.get_hatch()]
        dots = [t for t in ax.texts if t.get_text() == "●"]
        assert len(blocked) == (~mask).sum() and len(dots) == mask.sum()
    _readable(fig)
    assert fig.get_size_inches()[0] <= 4.0      # stacked: a phone shows it at about full size


def test_the_head_split_shows_the_split_shape():
    fig = schematics.head_split_figure(n=4, d_model=8, num_heads=2)
    text = " ".join(schematics.labels(fig))
    assert "(2, 4, 4)" in text and "head 1" in text and "head 2" in text and "(4, 8)" in text
    _readable(fig)


def test_the_online_softmax_figure_shows_the_running_numbers():
    row = np.array([0.5, 2.1, -0.3, 1.0, 3.2, 0.4, 2.8, -1.0, 0.0])
    fig = schematics.online_softmax_figure(row, chunk=3)
    text = schematics.labels(fig)
    assert "m = 3.2" in text and f"l = {np.exp(row - row.max()).sum():.2f}" in text
    assert f"old l × {np.exp(2.1 - 3.2):.2f}" in text
    _readable(fig)
