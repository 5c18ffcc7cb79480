"""The attention explorer's HTML generator: the data it embeds, its ids, its errors.

What it does in a browser (clicking a token, switching heads) is tested in tests/test_browser.py.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from qkv_course import attention, multihead
from qkv_course.explorer import explorer_data, explorer_html, palette
from qkv_course.softmax import softmax

TOKENS = ["the", "cat", "sat", "on", "the", "mat"]


def multihead_weights(num_heads: int = 2, seed: int = 0) -> np.ndarray:
    """(num_heads, 6, 6) weights of the course's multi-head attention on random embeddings."""
    rng = np.random.default_rng(seed)
    d = 4 * num_heads
    X = rng.normal(size=(6, d))
    W = [rng.normal(size=(d, d)) for _ in range(4)]
    return multihead.multi_head_attention(X, *W, num_heads)[1]


def embedded(page: str) -> list[dict]:
    doc = BeautifulSoup(page, "html.parser")
    return [json.loads(s.string) for s in doc.find_all("script", type="application/json")]


def test_the_embedded_json_is_exactly_the_weights():
    weights = multihead_weights(3)
    page = explorer_html(TOKENS, weights, heads=["a", "b", "c"], title="three heads")
    (data,) = embedded(page)
    assert data["tokens"] == TOKENS
    assert data["heads"] == ["a", "b", "c"]
    assert np.array_equal(np.array(data["weights"]), weights)   # exact, not rounded
    assert np.allclose(np.array(data["weights"]).sum(axis=-1), 1.0)


def test_one_head_of_weights_gets_a_heads_axis_and_no_selector():
    _, weights = attention.scaled_dot_product_attention(*(np.random.default_rng(1).normal(size=(3, 6, 4))))
    page = explorer_html(TOKENS, weights)
    (data,) = embedded(page)
    assert np.array_equal(np.array(data["weights"]), weights[None])
    assert data["heads"] == ["head 0"]
    assert "<select" not in page
    assert "<select" in explorer_html(TOKENS, multihead_weights(2))


def test_tokens_are_buttons_and_the_first_row_is_shown_without_javascript():
    weights = multihead_weights(2)
    doc = BeautifulSoup(explorer_html(TOKENS, weights), "html.parser")
    buttons = doc.select("button.qkv-x-token")
    assert [b.get_text() for b in buttons] == TOKENS
    assert all(b["type"] == "button" for b in buttons)
    shown = [float(s.get_text()) for s in doc.select(".qkv-x-key .qkv-x-w")]
    assert shown == pytest.approx(weights[0, 0], abs=0.005)
    colours = [re.search(r"background:(#[0-9a-f]{6})", s["style"]).group(1) for s in doc.select(".qkv-x-key")]
    assert set(colours) <= set(palette())


def test_ids_are_unique_across_two_explorers_on_one_page():
    weights = multihead_weights(2)
    page = explorer_html(TOKENS, weights) + explorer_html(TOKENS, weights)
    ids = [el["id"] for el in BeautifulSoup(page, "html.parser").find_all(id=True)]
    assert len(ids) == len(set(ids)), ids
    roots = BeautifulSoup(page, "html.parser").select("div.qkv-explorer")
    assert len(roots) == 2 and roots[0]["id"] != roots[1]["id"]


def test_text_is_escaped_and_json_cannot_close_its_script():
    tokens = ["<b>", "</script>", "&amp;"]
    page = explorer_html(tokens, np.full((3, 3), 1 / 3), title="a <title>")
    assert "</script>\"" not in page and "<b>" not in page
    doc = BeautifulSoup(page, "html.parser")
    assert embedded(page)[0]["tokens"] == tokens
    assert [b.get_text() for b in doc.select("button.qkv-x-token")] == tokens


def test_a_query_with_nothing_to_attend_to_is_allowed():
    weights = np.full((3, 3), 1 / 3)
    weights[1] = 0.0
    assert explorer_data(["a", "b", "c"], weights)["weights"][0][1] == [0.0, 0.0, 0.0]


def test_the_palette_is_cividis_from_dark_to_light():
    colours = palette(5)
    assert len(colours) == 5 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert colours[0] == "#00224e"   # cividis starts at dark blue and ends at yellow
    with pytest.raises(ValueError, match="at least 2"):
        palette(1)


@pytest.mark.parametrize(
    "tokens, weights, heads, message",
    [
        (TOKENS, np.full((6, 5), 0.2), None, r"shape \(1, 6, 5\) but there are 6 tokens"),
        (TOKENS[:3], np.full((3, 3, 3, 3), 1 / 3), None, "must be \\(n, n\\) for one head"),
        ([], np.zeros((0, 0)), None, "tokens is empty"),
        ("the cat", np.full((2, 2), 0.5), None, "tokens must be a list of strings"),
        (["a", 1], np.full((2, 2), 0.5), None, "tokens must be strings"),
        (["a", "b"], np.array([[0.5, 0.5], [0.9, 0.3]]), None, r"query 1 \('b'\) sums to 1.2"),
        (["a", "b"], np.array([[1.5, -0.5], [0.5, 0.5]]), None, "must not be negative"),
        (["a", "b"], np.array([[np.nan, 0.5], [0.5, 0.5]]), None, "non-finite"),
        (["a", "b"], np.full((2, 2, 2), 0.5), ["only one"], "1 head names for 2 heads"),
        (["a", "b"], np.full((2, 2, 2), 0.5), ["h", "h"], "distinct"),
        (["a", "b"], np.full((2, 2, 2), 0.5), "h0", "list of head names"),
        (["a", "b"], "not numbers", None, "array of numbers"),
    ],
)
def test_bad_input_raises_a_clear_value_error(tokens, weights, heads, message):
    with pytest.raises(ValueError, match=message):
        explorer_html(tokens, weights, heads=heads)


def test_a_bad_element_id_is_refused():
    with pytest.raises(ValueError, match="element_id"):
        explorer_html(["a"], np.ones((1, 1)), element_id='x" onclick="alert(1)')
    assert 'id="my-explorer"' in explorer_html(["a"], np.ones((1, 1)), element_id="my-explorer")


def test_softmax_rows_from_the_course_pass_the_row_sum_check():
    scores = np.random.default_rng(2).normal(size=(4, 6, 6)) * 30   # sharp weights, rounding near 1
    assert len(embedded(explorer_html(TOKENS, softmax(scores, axis=-1)))[0]["weights"]) == 4
