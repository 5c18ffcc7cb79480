"""ps08 grading: the references pass, the hidden cases cover what they should (batch axes, a
constant token, another eps, MiniLM's real layer with padding), the block is graded with trusted
helpers, and the course's own code is refused (in-process; tests/submissions/ps08_block holds the
mistakes with their messages, graded in-process and through nbgrader)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qkv_course import block
from qkv_course.checks import block as checks
from qkv_course.checks.core import FeedbackError
from qkv_course.multihead import multi_head_attention
from qkv_grader.hidden import block as hidden

_erf = np.vectorize(math.erf, otypes=[float])


def layer_norm(X, gamma, beta, eps=1e-5):
    X = np.asarray(X, dtype=float)
    mu = X.mean(axis=-1, keepdims=True)
    return (X - mu) / np.sqrt(X.var(axis=-1, keepdims=True) + eps) * gamma + beta


def feed_forward(X, W1, b1, W2, b2):
    h = np.asarray(X, dtype=float) @ W1 + b1
    return 0.5 * h * (1 + _erf(h / math.sqrt(2))) @ W2 + b2


def transformer_block(X, params, mask=None):
    p = params
    A, _ = multi_head_attention(X, p["W_q"], p["W_k"], p["W_v"], p["W_o"], p["num_heads"], mask,
                                b_q=p["b_q"], b_k=p["b_k"], b_v=p["b_v"], b_o=p["b_o"])
    H = layer_norm(X + A, p["ln1_gamma"], p["ln1_beta"], p["eps"])
    return layer_norm(H + feed_forward(H, p["W1"], p["b1"], p["W2"], p["b2"]), p["ln2_gamma"], p["ln2_beta"], p["eps"])


def fails(check, fn, *, hidden: bool = False) -> str:
    with pytest.raises(FeedbackError) as info:
        check(fn, hidden=hidden)
    return str(info.value)


@pytest.mark.parametrize("is_hidden", [False, True])
def test_correct_answers_pass(is_hidden):
    checks.check_layer_norm(layer_norm, hidden=is_hidden)
    checks.check_feed_forward(feed_forward, hidden=is_hidden)
    checks.check_transformer_block(transformer_block, hidden=is_hidden)


def test_the_references_answer_the_hidden_cases():
    """REFERENCES (the grader's first guess at the kernel's calls) agree with the expected values
    and with a student's independent answers."""
    refs = checks.REFERENCES
    assert set(refs) == set(checks.CHECKS)
    for c in hidden.norm_cases():
        eps = 1e-5 if c.eps is None else c.eps
        assert np.allclose(refs["layer_norm"](c.X, c.gamma, c.beta, eps), layer_norm(c.X, c.gamma, c.beta, eps))
    for c in hidden.ffn_cases():
        assert np.allclose(refs["feed_forward"](c.X, c.W1, c.b1, c.W2, c.b2), feed_forward(c.X, c.W1, c.b1, c.W2, c.b2))
    for c in hidden.block_cases():
        assert np.allclose(refs["transformer_block"](c.X, c.params, c.mask), transformer_block(c.X, c.params, c.mask))


def test_hidden_cases_cover_batches_constant_tokens_and_other_eps():
    norms = hidden.norm_cases()
    assert any(c.X.ndim >= 3 for c in norms) and any(c.eps is not None for c in norms)
    assert any((np.ptp(np.asarray(c.X, dtype=float), axis=-1) == 0).any() for c in norms)
    assert any(c.X.shape[-1] == 1 for c in norms)
    ffns = hidden.ffn_cases()
    assert any(c.X.ndim >= 3 for c in ffns) and any(c.W1.shape[1] < c.W1.shape[0] for c in ffns)
    blocks = hidden.block_cases()
    assert any(c.mask is not None and np.asarray(c.X).ndim == 3 for c in blocks)
    # none of the hidden cases is a visible one
    visible = checks.block_cases_visible()
    assert not any(np.shape(h.X) == np.shape(v.X) and np.allclose(h.X, v.X) for h in blocks for v in visible)


def test_the_hidden_block_is_minilms_real_layer():
    """Graded against the real model: the expected output of the MiniLM case is the model's own
    layer output on its real tokens, to 1e-5, and its padding mask hides some keys."""
    case = hidden.minilm_case()
    real = case.extra["real"]
    assert not real.all(), "one sentence is padded, so the mask matters"
    expected = checks.expected_block(case)
    assert np.abs(expected - case.extra["model_output"])[real].max() < 1e-5
    assert case.params["num_heads"] == 12 and np.shape(case.X)[-1] == 384


def test_a_mistake_in_layer_norm_costs_its_points_once():
    """While transformer_block is graded, the notebook's layer_norm and feed_forward are the
    course's: a block written on a broken layer_norm still passes."""
    namespace = {"np": np, "multi_head_attention": multi_head_attention,
                 "layer_norm": lambda X, g, b, eps=1e-5: X * 0,        # broken
                 "feed_forward": lambda X, *w: X * 0}                   # broken
    exec(
        "def transformer_block(X, params, mask=None):\n"
        "    p = params\n"
        "    A, _ = multi_head_attention(X, p['W_q'], p['W_k'], p['W_v'], p['W_o'], p['num_heads'], mask,\n"
        "                                b_q=p['b_q'], b_k=p['b_k'], b_v=p['b_v'], b_o=p['b_o'])\n"
        "    H = layer_norm(X + A, p['ln1_gamma'], p['ln1_beta'], p['eps'])\n"
        "    return layer_norm(H + feed_forward(H, p['W1'], p['b1'], p['W2'], p['b2']),\n"
        "                      p['ln2_gamma'], p['ln2_beta'], p['eps'])\n", namespace)
    checks.check_transformer_block(namespace["transformer_block"])
    assert namespace["layer_norm"](np.ones(2), 1, 0)[0] == 0, "the notebook's own helper is put back"


def test_the_course_block_is_refused():
    def uses_course(X, params, mask=None):
        from qkv_course.block import FeedForwardWeights, post_norm_block
        from qkv_course.pretrained import LayerWeights
        p = params
        a = LayerWeights(p["W_q"], p["W_k"], p["W_v"], p["W_o"], p["b_q"], p["b_k"], p["b_v"], p["b_o"],
                         p["ln1_gamma"], p["ln1_beta"], p["eps"])
        f = FeedForwardWeights(p["W1"], p["b1"], p["W2"], p["b2"], p["ln2_gamma"], p["ln2_beta"], p["eps"])
        return post_norm_block(X, a, f, p["num_heads"], mask)

    assert "qkv_course.block.post_norm_block" in fails(checks.check_transformer_block, uses_course)


def test_tanh_gelu_is_told_apart_from_the_exact_one():
    def tanh_ffn(X, W1, b1, W2, b2):
        h = X @ W1 + b1
        return 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3))) @ W2 + b2

    assert "tanh approximation" in fails(checks.check_feed_forward, tanh_ffn)
    # and the difference is real, not a rounding: up to about 1e-3 on the visible cases
    case = checks._ffn_cases(False)[0]
    assert np.abs(tanh_ffn(case.X, case.W1, case.b1, case.W2, case.b2)
                  - block.feed_forward(case.X, case.W1, case.b1, case.W2, case.b2)).max() > 1e-5
