"""Hidden cases of ps04 (instructor side only): the inputs that
:mod:`qkv_course.checks.attention`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.embeddings import init_projections
from qkv_course.masking import causal_mask, key_padding_mask, padding_mask
from qkv_course.checks.attention import Case, _random


def sdpa_cases():
    """The hidden inputs of _sdpa_cases."""
    some = np.random.default_rng(2).random((3, 6)) < 0.6
    some[1] = False
    some[0, 0] = some[2, 5] = True
    padding = key_padding_mask(padding_mask([5, 2], 5), heads=True)        # (2, 1, 1, 5)
    per_item = np.ones((2, 4, 4), dtype=bool)
    per_item[1] = False                                                     # batch item 1 sees nothing
    return [
        Case(_random((), n_q=4, n_k=7, d_k=5, d_v=3, seed=3)),
        Case(_random((3,), n_q=2, n_k=3, d_k=3, d_v=4, seed=4)),           # here Q @ K.T runs
        Case(_random((2,), n_q=3, n_k=6, d_k=4, d_v=5, seed=5), some),      # (n_q, n_k) mask
        Case(_random((2, 3), n_q=4, n_k=5, d_k=8, d_v=3, seed=6), padding),  # two batch axes
        Case(_random((2,), n_q=4, n_k=4, d_k=6, d_v=2, seed=7), causal_mask(4)),
        Case(_random((2,), n_q=4, n_k=4, d_k=3, d_v=5, seed=8), per_item),
        Case(_random((), n_q=5, n_k=3, d_k=2, d_v=4, seed=9), np.array([[True, False, True]])),
        Case(_random((3,), n_q=4, n_k=6, d_k=4, d_v=2, seed=10, scale=100.0)),  # scores ~ 1e4
        # scores ~ 1e4 under a causal mask: blocked (future) keys hold the largest scores of some rows
        Case(_random((2,), n_q=4, n_k=4, d_k=4, d_v=3, seed=13, scale=100.0), causal_mask(4)),
        Case(_random((2,), n_q=3, n_k=4, d_k=2, d_v=3, seed=14), np.array([True, False, True, True])),
        Case(_random((), n_q=1, n_k=1, d_k=1, d_v=1, seed=11)),
        Case(_random((2,), n_q=1, n_k=4, d_k=1, d_v=3, seed=12)),
    ]


def self_cases():
    """The hidden inputs of _self_cases: (X, W_q, W_k, W_v), d_model=6, d_k=3, d_v=2 unless stated."""
    rng = np.random.default_rng(20)
    W = init_projections(6, 3, 2, seed=22)
    W_wide = init_projections(5, 7, 4, seed=24)
    W_one = init_projections(3, 1, 2, seed=25)
    pad = key_padding_mask(padding_mask([5, 3], 5))                         # (2, 1, 5)
    return [
        Case((rng.normal(size=(2, 5, 6)),) + W),
        Case((rng.normal(size=(2, 3, 4, 6)),) + W, causal_mask(4)),
        Case((rng.normal(size=(2, 5, 5)),) + W_wide, pad),
        Case((3.0 * rng.normal(size=(1, 3)),) + W_one),
        Case((rng.normal(size=(3, 6, 3)),) + W_one, causal_mask(6)),
    ]


def _keys() -> dict:
    """The keys of ps04's questions (qkv_course.checks.attention.QUESTIONS), computed with the
    course's attention from the numbers the questions give."""
    from qkv_course.attention import scaled_dot_product_attention
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.softmax import softmax

    # Question 1: batch 2, 8 heads, 5 queries, 7 keys, d_k = 64, d_v = 32; sequence 1 padded
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(2, 8, 5, 64))
    K = rng.normal(size=(2, 8, 7, 64))
    V = rng.normal(size=(2, 8, 7, 32))
    mask = key_padding_mask(padding_mask([7, 4], 7), heads=True)      # (2, 1, 1, 7)
    assert mask.shape == (2, 1, 1, 7) and (~mask).sum() == 3
    output, weights = scaled_dot_product_attention(Q, K, V, mask)
    zeros = int((weights == 0).sum())
    padded = Key(
        {"weights": weights.shape, "output": output.shape, "zeros": zeros},
        (Mistake({"weights": weights.shape[:2] + weights.shape[2:][::-1]},
                 "the weights have one row per query and one column per key: (..., n_q, n_k), "
                 "5 rows of 7."),
         Mistake({"output": Q.shape},
                 "the output's last axis is d_v = 32: each output row is a blend of value rows, "
                 "which are 32 long; d_k = 64 only meets the keys."),
         Mistake({"output": V.shape},
                 "the output has one row per query (5), not one per key: (..., n_q, d_v)."),
         Mistake({"zeros": int((~mask).sum())},
                 "the mask (2, 1, 1, 7) broadcasts against the weights (2, 8, 5, 7): its 3 blocked "
                 "keys are blocked for every head and every query of sequence 1."),
         Mistake({"zeros": zeros // 8},
                 "the mask's head axis of size 1 broadcasts over all 8 heads: count the blocked "
                 "keys in each head."),
         Mistake({"zeros": 2 * zeros},
                 "only sequence 1 is padded: sequence 0's mask row is all True, and the softmax "
                 "gives no allowed key a weight of exactly 0.")),
        hint="The weights are (batch, heads, n_q, n_k); the mask broadcasts against them.")

    # Question 2: d_k = 1024, entries independent with mean 0 and variance 1
    d_k = 1024
    scaled = np.array([1.0, 0.0])                 # q · k / sqrt(d_k) for two keys
    unscaled = scaled * np.sqrt(d_k)
    w_unscaled, w_scaled = softmax(unscaled)[0], softmax(scaled)[0]
    no_scaling = Key(
        {"std_dot": np.sqrt(d_k), "weight_unscaled": w_unscaled, "weight_scaled": w_scaled,
         "breaks": "b"},
        (Mistake({"std_dot": float(d_k)},
                 "1024 is the variance of q · k (a sum of 1024 products of variance 1); the "
                 "standard deviation is its square root, 32."),
         Mistake({"std_dot": 1.0},
                 "1 is the standard deviation after dividing by sqrt(d_k); without the division "
                 "it is sqrt(1024) = 32."),
         Mistake({"weight_unscaled": w_scaled},
                 "that is the weight with the division; without it the two scores are 32 and 0, "
                 "so the first key takes e^32 / (e^32 + 1) of the weight."),
         Mistake({"breaks": "a"},
                 "scores of a few times 32 are far below e^x's overflow (about 709), and a stable "
                 "softmax subtracts the maximum anyway: nothing becomes NaN. The softmax saturates."),
         Mistake({"breaks": "c"},
                 "larger scores make the weights sharper, not flatter: the gaps between scores grow "
                 "32 times, and the largest score takes almost all the weight."),
         Mistake({"breaks": "d"},
                 "the softmax ignores a constant added to every score, not a factor: multiplying "
                 "the scores by 32 sharpens the weights, like dividing the temperature by 32.")),
        hint="Without the division the scaled scores 1 and 0 become 32 and 0.")

    # Question 3: one query, three keys, d_k = 4, d_v = 2
    q = np.array([[1.0, 1.0, 1.0, 1.0]])
    K3 = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, -1.0, -1.0], [1.0, 0.0, 1.0, 0.0]])
    V3 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    blocked = np.array([False, True, True])
    out, w = scaled_dot_product_attention(q, K3, V3)
    masked_out, _ = scaled_dot_product_attention(q, K3, V3, blocked)
    raw = q @ K3.T
    one_query = Key(
        {"weights": w[0], "output": out[0], "masked_output": masked_out[0]},
        (Mistake({"weights": softmax(raw)[0]},
                 "those are the weights without the division by sqrt(d_k) = 2: the scores "
                 "(4, 0, 2) become (2, 0, 1) first."),
         Mistake({"weights": softmax(raw / 4)[0]},
                 "that divides the scores by d_k = 4; attention divides by sqrt(d_k) = 2."),
         Mistake({"output": V3[np.argmax(w[0])]},
                 "that is the value of the best key alone, a hard lookup; attention blends all "
                 "three value rows with the weights."),
         Mistake({"masked_output": V3[0]},
                 "the mask is inverted: True means \"may attend\", so key 0 is the one blocked and "
                 "the query attends to keys 1 and 2."),
         Mistake({"masked_output": (w[0] * blocked) @ V3},
                 "the weights of keys 1 and 2 must be renormalised to sum to 1: block key 0 before "
                 "the softmax, not by zeroing its weight after."),
         Mistake({"masked_output": out[0]},
                 "that is the output without the mask: with key 0 blocked it gets weight 0 and "
                 "keys 1 and 2 share all the weight.")),
        hint="Scores q · k_j / 2 are (2, 0, 1); the weights are their softmax and the output "
             "is weights @ V.")
    return {"padded_batch": padded, "no_scaling": no_scaling, "one_query": one_query}


KEYS = _keys()
