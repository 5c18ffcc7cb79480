"""Hidden cases of ps05, "Masking and cross-attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.masking`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course import masking
from qkv_course.checks.masking import _Cross, _Lengths, _random_case


def causal_cases() -> list[int]:
    """The sizes n of causal_mask(n)."""
    return [1, 2, 3, 7, 12]


def padding_cases() -> list[_Lengths]:
    """The (lengths, max_len) of padding_mask."""
    return [
        _Lengths([3, 0, 5, 1], 5),                       # an empty sequence and a full one
        _Lengths(np.array([6, 6, 2, 4, 1, 3]), 6),       # batch == max_len: a transpose keeps the shape
        _Lengths(np.array([4]), 4),                      # one sequence, no padding
        _Lengths([0, 0], 3),                             # only padding
        _Lengths(np.array([1, 1, 1]), 1),                # max_len 1
        _Lengths((5, 2, 7), 9),                          # a tuple
    ]


def cross_cases() -> list[_Cross]:
    """The inputs of cross_attention."""
    rng = np.random.default_rng(7)
    row_mask = rng.random((4, 6)) < 0.6
    row_mask[0] = True
    row_mask[2] = False                                                     # a query with no key
    pad3 = masking.key_padding_mask(masking.padding_mask([6, 1, 3], 6))           # (3, 1, 6)
    pad_b2 = masking.key_padding_mask(masking.padding_mask([5, 2, 4], 5))         # (3, 1, 5): over the 2nd axis
    q_real, k_real = masking.padding_mask([5, 3], 5), masking.padding_mask([3, 2], 3)
    both = q_real[:, :, None] & k_real[:, None, :]                          # padding queries see nothing
    big_mask = np.ones((3, 8), dtype=bool)
    big_mask[:, 5:] = False
    big_mask[1, :2] = False
    top_blocked = _random_case((2,), 3, 5, 4, 3, 2, seed=20, scale=25.0)
    scores = (top_blocked.X_q @ top_blocked.W[0]) @ np.swapaxes(top_blocked.X_kv @ top_blocked.W[1], -1, -2)
    top_blocked.mask = scores < scores.max(axis=-1, keepdims=True)        # each query's best key blocked
    return [
        _random_case((), 7, 5, 6, 4, 3, seed=11),                           # translation-like, no mask
        _random_case((), 4, 6, 3, 5, 2, seed=12, mask=row_mask),            # (n_q, n_kv) mask
        _random_case((3,), 4, 6, 5, 3, 4, seed=13, mask=pad3),              # key padding, 1 batch axis
        _random_case((2, 3), 2, 5, 4, 1, 3, seed=14, mask=pad_b2),          # 2 batch axes, d_k = 1
        _random_case((2,), 5, 3, 4, 2, 3, seed=15, mask=both),              # fully masked rows
        _random_case((), 3, 8, 4, 4, 4, seed=16, mask=big_mask, scale=25.0),  # large scores
        _random_case((2,), 1, 4, 1, 2, 1, seed=19, scale=1.0),              # one query, d_model = d_v = 1
        _random_case((), 6, 1, 3, 2, 2, seed=18),                           # one key
        top_blocked,                                                        # large scores, best key blocked
        _random_case((2,), 3, 4, 3, 2, 2, seed=21, mask=np.array([True, False, True, True])),  # (n_kv,)
    ]


# --------------------------------------------------------------------------- question keys

def _keys() -> dict:
    """The keys of ps05's questions (qkv_course.checks.masking.QUESTIONS), computed with the
    course's masks and attention from the numbers the questions give."""
    from qkv_course.attention import cross_attention, scaled_dot_product_attention
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.softmax import masked_softmax, softmax

    rng = np.random.default_rng(0)  # any finite scores: only the masks decide which weights are 0

    # Question 1: lengths 5, 2, 4 padded to 5, causal, 4 heads.
    lengths, n, heads = [5, 2, 4], 5, 4
    causal = masking.causal_mask(n)
    pad = masking.padding_mask(lengths, n)
    both = masking.combine_masks(causal, masking.key_padding_mask(pad, heads=True))
    Q, K, V = (rng.normal(size=(len(lengths), heads, n, 8)) for _ in range(3))
    _, weights = scaled_dot_product_attention(Q, K, V, both)
    left = masking.combine_masks(causal, masking.key_padding_mask(pad[:, ::-1], heads=True))
    _, weights_left = scaled_dot_product_attention(Q, K, V, left)
    zeros = int((weights == 0).sum())
    causal_only = heads * len(lengths) * int((~causal).sum())
    queries_too = causal & pad[:, None, :, None] & pad[:, None, None, :]   # padding queries blocked too
    empty = int((weights_left == 0).all(axis=-1).sum())
    heads_and_padding = Key(
        {"mask_shape": both.shape, "weights_shape": weights.shape, "zeros": zeros, "empty_rows": empty},
        (Mistake({"mask_shape": weights.shape},
                 "the mask has no real heads axis: key_padding_mask(pad, heads=True) is (3, 1, 1, 5) and "
                 "the causal mask (5, 5), so their combination is (3, 1, 5, 5), a heads axis of length 1 "
                 "that broadcasting shares among the 4 heads. Only the weights have 4 there."),
         Mistake({"zeros": zeros // heads},
                 "that counts the zeros of one head. Every head uses the same mask, so each of the 4 heads "
                 "has the same zeros: count them once per head."),
         Mistake({"zeros": causal_only},
                 "that counts only what the causal mask blocks. The padding keys are blocked too: in the "
                 "sentence of length 2, query 4 may see keys 0 and 1 only, not keys 2 to 4."),
         Mistake({"zeros": heads * int((~queries_too).sum())},
                 "the padding *queries* are not blocked: a key padding mask varies along the keys only, "
                 "so a padding position's query still attends to the real keys before it (its output is "
                 "simply ignored later). Only its own row's padding keys get 0."),
         Mistake({"empty_rows": empty // heads},
                 "that counts the empty rows of one head; the mask is shared by the 4 heads, so each of "
                 "them has these empty rows."),
         Mistake({"empty_rows": 0},
                 "with left padding the real tokens sit at the end, so the first queries of a short "
                 "sentence may see no real key before them: the causal mask hides every key after the "
                 "query and the padding mask every key before the first real token. Their rows are "
                 "fully masked.")),
        hint="Shapes broadcast from the right; a key is allowed when it is neither in the future nor "
             "padding, and every head shares the mask.")

    # Question 2: pad[:, :, None] instead of pad[:, None, :]; sentence lengths 3 and 1.
    first = rng.normal(size=(3, 3))
    second = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0], [2.0, 0.0, 1.0]])
    pad2 = masking.padding_mask([3, 1], 3)
    scores = np.stack([first, second])
    buggy = masked_softmax(scores, pad2[:, :, None])
    right = masked_softmax(scores, masking.key_padding_mask(pad2))
    wrong_axis = Key(
        {"row_0": buggy[1, 0], "zero_rows": int((buggy[1] == 0).all(axis=-1).sum()),
         "first_changed": bool((buggy[0] != right[0]).any())},
        (Mistake({"row_0": right[1, 0]},
                 "that is the row the right mask gives. pad[:, :, None] has shape (2, 3, 1): it varies "
                 "along the queries and is copied along the keys, so query 0, a real token, has its whole "
                 "row allowed, padding keys included: its weights are the softmax of its 3 scores."),
         Mistake({"row_0": softmax(second[:, 0])},
                 "that is the softmax of column 0 of the scores. Rows are queries and columns keys: query "
                 "0's weights are the softmax of its row (1, 0, 2)."),
         Mistake({"zero_rows": 0},
                 "with the bug, the rows of the padding queries 1 and 2 are all False, so those queries "
                 "have no allowed key and (in this course's attention) get zero weights."),
         Mistake({"first_changed": True},
                 "the first sentence has no padding: pad[0] is all True, so both masks allow everything "
                 "there and its weights do not change. That is why a batch of equal lengths cannot find "
                 "this bug.")),
        hint="pad[:, :, None] is (2, 3, 1): each query's mask value is copied along all the keys.")

    # Question 3: cross-attention; X_q (2, 4, 16), X_kv (2, 6, 16), W_q, W_k (16, 8), W_v (16, 12).
    X_q, X_kv = rng.normal(size=(2, 4, 16)), rng.normal(size=(2, 6, 16))
    W_q, W_k, W_v = np.zeros((16, 8)), rng.normal(size=(16, 8)), rng.normal(size=(16, 12))  # scores 0
    source = masking.key_padding_mask(masking.padding_mask([6, 3], 6))
    out, w = cross_attention(X_q, X_kv, W_q, W_k, W_v, source)
    _, w_free = cross_attention(X_q, X_kv, W_q, W_k, W_v)
    _, w_causal = cross_attention(X_q, X_kv, W_q, W_k, W_v, source & np.tril(np.ones((4, 6), dtype=bool)))
    translation = Key(
        {"weights_shape": w.shape, "output_shape": out.shape, "needs_causal": False, "weight": w[1, 1, 0]},
        (Mistake({"weights_shape": w.shape[:-2] + w.shape[:-3:-1]},
                 "the weights have one row per *query* (the 4 target tokens) and one column per key (the "
                 "6 source tokens): (batch, n_q, n_kv)."),
         Mistake({"output_shape": out.shape[:-2] + (6, out.shape[-1])},
                 "the output has one row per query: each target token gets a weighted average of the "
                 "source's values, so (batch, n_q, d_v)."),
         Mistake({"output_shape": out.shape[:-1] + (W_q.shape[1],)},
                 "the output rows are averages of the values V = X_kv W_v, so their size is W_v's d_v = "
                 "12, not d_k = 8."),
         Mistake({"needs_causal": True},
                 "the source sentence is complete before the translation starts, so every target token "
                 "may read all of it; the causal mask belongs to the target's self-attention. Target "
                 "tokens enter cross-attention only as queries, so no future target token can leak."),
         Mistake({"weight": w_free[1, 1, 0]},
                 "that weight shares the row among all 6 source positions. Sentence 1's source has 3 real "
                 "tokens: its padding mask (2, 1, 6) gives the 3 padding keys weight 0."),
         Mistake({"weight": w_causal[1, 1, 0]},
                 "that is what a causal mask would give (keys 0 and 1 only). Cross-attention needs only "
                 "the source's padding mask, so target token 1 sees the 3 real source tokens.")),
        hint="Queries come from the target, keys and values from the source; the source's padding is "
             "masked along the keys.")
    return {"heads_and_padding": heads_and_padding, "wrong_axis": wrong_axis,
            "translation_shapes": translation}


KEYS = _keys()
