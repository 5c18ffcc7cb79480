"""Hidden cases of ps06, "Multi-head attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.multihead`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.masking import causal_mask, key_padding_mask, padding_mask
from qkv_course.checks.multihead import MHACase, SplitCase, _LayerCase, _square

#: The MultiHeadAttention layer check: the seed of the generator that draws X for every call,
#: and the seed of each layer of :func:`layer_cases` (torch's seed when it is built, and the
#: seed of the weights loaded into it).
LAYER_INPUTS_SEED = 66
LAYER_SEEDS = (600, 601, 602, 603)


def split_cases() -> tuple[list[SplitCase], list[SplitCase]]:
    """(cases that split, cases that must raise ValueError)."""
    rng = np.random.default_rng(60)
    return ([
        SplitCase(rng.normal(size=(5, 8)), 4),
        SplitCase(rng.normal(size=(3, 2, 6)), 2),          # n == num_heads
        SplitCase(rng.normal(size=(2, 3, 4, 12)), 3),      # two batch axes
        SplitCase(rng.normal(size=(4, 6)), 1),             # one head: nothing moves
        SplitCase(rng.normal(size=(2, 3, 6)), 6),          # d_head = 1
        SplitCase(rng.normal(size=(2, 1, 8)), 2),          # one token
        SplitCase(1e4 * rng.normal(size=(4, 4, 8)), 4),    # large values, n == num_heads
    ], [
        SplitCase(rng.normal(size=(2, 3, 10)), 4),
        SplitCase(rng.normal(size=(5, 6)), 4),
        SplitCase(rng.normal(size=(3, 9)), 2),
    ])


def merge_cases() -> list[tuple[np.ndarray, int]]:
    """(X, num_heads): merge_heads gets split_heads(X, num_heads) and must give back X."""
    rng = np.random.default_rng(62)
    return [
        (rng.normal(size=(5, 8)), 4),
        (rng.normal(size=(3, 2, 6)), 2),
        (rng.normal(size=(2, 3, 4, 12)), 3),
        (rng.normal(size=(4, 6)), 1),
        (rng.normal(size=(2, 3, 6)), 6),
        (rng.normal(size=(2, 1, 8)), 2),
        (1e4 * rng.normal(size=(4, 4, 8)), 4),
    ]


def mha_cases() -> list[MHACase]:
    """The inputs of multi_head_attention."""
    rng = np.random.default_rng(64)
    per_item = rng.random((2, 5, 5)) < 0.6
    per_item[..., 0] = True
    per_item[1, 3] = False                                             # a query with no key at all
    some_keys = np.array([[True, False, True, True]])                 # (1, n): every query alike
    return [
        MHACase(rng.normal(size=(5, 8)), _square(8, rng), 4),
        MHACase(rng.normal(size=(2, 5, 8)), _square(8, rng), 2, per_item),        # batch == heads
        MHACase(rng.normal(size=(3, 5, 6)), _square(6, rng), 2,
                key_padding_mask(padding_mask([5, 2, 4], 5))),                     # batch != heads
        MHACase(rng.normal(size=(2, 3, 4, 8)), _square(8, rng), 4, causal_mask(4)),  # two batch axes
        MHACase(rng.normal(size=(2, 4, 6)), _square(6, rng), 1, some_keys),       # one head, (1, n) mask
        MHACase(rng.normal(size=(3, 6)), _square(6, rng), 6),                     # d_head = 1
        MHACase(rng.normal(size=(2, 1, 4)), _square(4, rng), 2),                  # one token
        MHACase(60 * rng.normal(size=(2, 4, 8)), _square(8, rng), 2, causal_mask(4)),  # scores ~ 1e4
    ]


def layer_cases() -> list[_LayerCase]:
    """(d_model, num_heads, [(X shape, mask or None, scale of X)]) for each layer built; layer i
    is seeded with LAYER_SEEDS[i]."""
    return [
        (8, 4, [((5, 8), None, 1.0), ((2, 3, 5, 8), causal_mask(5), 1.0),
                ((4, 5, 8), key_padding_mask(padding_mask([5, 2, 4, 1], 5)), 1.0)]),  # batch == heads
        (6, 1, [((2, 4, 6), causal_mask(4), 1.0)]),
        (6, 6, [((3, 6), None, 1.0)]),
        (12, 3, [((3, 1, 12), None, 1.0), ((2, 6, 12), causal_mask(6), 8.0)]),  # scores in the hundreds
    ]


# --------------------------------------------------------------------------- question keys

def _keys() -> dict:
    """The keys of ps06's questions (qkv_course.checks.multihead.QUESTIONS), computed with the
    course's multi-head attention and torch's layer from the numbers the questions give."""
    import torch
    from torch import nn

    from qkv_course import multihead, projections
    from qkv_course.checks.questions import Key, Mistake

    rng = np.random.default_rng(0)

    # Question 1: MiniLM's sizes, d_model = 384 and 12 heads; a batch of 2 sentences of 9 tokens.
    b, n, d, h = 2, 9, 384, 12
    X = rng.normal(size=(b, n, d))
    W = [rng.normal(size=(d, d)) / np.sqrt(d) for _ in range(4)]
    Q_split = multihead.split_heads(X @ W[0], h)
    _, weights = multihead.multi_head_attention(X, *W, h)
    d_head = multihead.head_size(d, h)
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(0)
        layer = nn.MultiheadAttention(d, h, batch_first=True, dtype=torch.float64)
        x = torch.as_tensor(X)
        torch_weights = tuple(layer(x, x, x)[1].shape)
    head_shapes = Key(
        {"q_split": Q_split.shape, "weights": weights.shape, "scale": np.sqrt(d_head),
         "torch_weights": torch_weights},
        (Mistake({"q_split": (b, n, h, d_head)},
                 "that is the shape after the reshape, before the transpose: the heads axis must move "
                 "in front of the tokens, (batch, heads, n, d_head), so that each head is an n x d_head "
                 "matrix."),
         Mistake({"q_split": (b, h, n, d)},
                 "each head gets its own block of d_head = d_model / h = 32 features, not all 384: the "
                 "heads share out the columns of Q."),
         Mistake({"weights": (b, n, n)},
                 "the layer keeps one n x n matrix of weights per head: (batch, heads, n, n). Averaging "
                 "over the heads is what torch does when it reports them."),
         Mistake({"scale": np.sqrt(d)},
                 "each head compares queries and keys of size d_head = 32, so it divides by sqrt(32), "
                 "not by sqrt(d_model) = sqrt(384)."),
         Mistake({"scale": float(d_head)},
                 "the scale is the square root of d_head: sqrt(32), not 32."),
         Mistake({"torch_weights": weights.shape},
                 "by default (need_weights=True, average_attn_weights=True) nn.MultiheadAttention "
                 "returns the weights averaged over the heads, one n x n matrix per sentence; pass "
                 "average_attn_weights=False for every head's.")),
        hint="d_head = d_model / heads; the split is (batch, heads, n, d_head).")

    # Question 2: d_model = 512 with biases in all four projections, as nn.MultiheadAttention.
    d2, n2 = 512, 100
    with torch.random.fork_rng():
        torch.manual_seed(0)
        counts = {heads: sum(p.numel() for p in nn.MultiheadAttention(d2, heads).parameters())
                  for heads in (8, 16)}
        in_proj = tuple(nn.MultiheadAttention(d2, 8).in_proj_weight.shape)
    assert counts[8] == multihead.parameter_count(d2, 8, bias=True) == counts[16]
    products = 8 * n2 * n2 * multihead.head_size(d2, 8)
    full_heads = 8 * projections.parameter_count(d2, d2, bias=True) + d2 * d2 + d2
    parameter_counts = Key(
        {"params_8": counts[8], "params_16": counts[16], "in_proj_shape": in_proj,
         "score_products": products},
        (Mistake({"params_8": multihead.parameter_count(d2, 8)},
                 "nn.MultiheadAttention has a bias in each of its four projections: 4 x 512 more numbers "
                 "than the four 512 x 512 matrices."),
         Mistake({"params_8": full_heads},
                 "the heads do not each get full 512 x 512 matrices: head i's W_q is the block of 64 "
                 "columns it reads from the one W_q, so all heads together hold 3 x 512^2 (plus W_o's "
                 "512^2 and the biases)."),
         Mistake({"params_16": 2 * counts[8]},
                 "more heads do not mean more parameters: 16 heads of 32 share out the same 512 columns "
                 "as 8 heads of 64, so the count does not depend on the number of heads."),
         Mistake({"in_proj_shape": in_proj[::-1]},
                 "torch stores weights in nn.Linear's (out, in) layout: in_proj_weight stacks the rows of "
                 "W_q^T, W_k^T and W_v^T, 3 x 512 rows of 512."),
         Mistake({"score_products": 8 * n2 * n2 * d2},
                 "each head's dot products are between vectors of d_head = 64 numbers, not 512: all 8 "
                 "heads together cost n^2 d_head h = n^2 d_model, as much as one head of 512."),
         Mistake({"score_products": n2 * n2 * multihead.head_size(d2, 8)},
                 "that is one head's scores; the question counts all 8 heads'.")),
        hint="h heads of d_model / h columns share out the same matrices as one head of d_model.")

    # Question 3: X[i, c] = 10 i + c, 3 tokens of 8 features, 2 heads.
    labels = 10.0 * np.arange(3)[:, None] + np.arange(8)[None, :]
    right = multihead.split_heads(labels, 2)
    buggy = labels.reshape(2, 3, 4)
    interleaved = np.moveaxis(labels.reshape(3, 4, 2), -1, 0)
    reshape_bug = Key(
        {"right": right[1, 0], "buggy": buggy[1, 0],
         "round_trip": bool(np.array_equal(buggy.reshape(3, 8), labels))},
        (Mistake({"right": buggy[1, 0]},
                 "that is what the reshape without the transpose gives. split_heads gives head 1 the "
                 "features 4-7 of every token, so head 1, token 0 is token 0's features 4 to 7."),
         Mistake({"right": interleaved[1, 0]},
                 "that reshapes the features as (d_head, h), so head 1 gets every other feature. Head h "
                 "holds a block of d_head neighbouring features: h*d_head to (h+1)*d_head - 1."),
         Mistake({"right": right[0, 0]},
                 "that is head 0; heads count from 0, so head 1 is the second block of features."),
         Mistake({"buggy": right[1, 0]},
                 "the buggy reshape does not give the right contents: it reads the 24 numbers in memory "
                 "order (token 0's 8 features, then token 1's, ...) and refills (2, 3, 4) in that order, "
                 "so its head 1 starts at the 13th number."),
         Mistake({"buggy": np.arange(24.0).reshape(2, 3, 4)[1, 0]},
                 "those are the positions of the numbers in memory, not the numbers: the 13th number "
                 "(index 12) is X[1, 4] = 14."),
         Mistake({"round_trip": False},
                 "the buggy merge, reshape(3, 8), reads the numbers in the same memory order as the "
                 "buggy split and puts every one back: the round trip gives X exactly, which is why a "
                 "round-trip test cannot find the bug.")),
        hint="A reshape keeps memory order: X's 24 numbers row after row.")
    return {"head_shapes": head_shapes, "parameter_counts": parameter_counts, "reshape_bug": reshape_bug}


KEYS = _keys()
