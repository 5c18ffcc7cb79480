"""Hidden cases of ps10, "The quadratic cost, and how to live with it" (instructor side only): the
inputs that :mod:`qkv_course.checks.cost`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course import masking
from qkv_course.checks.cost import _Chunked, _growing_scores, _memory_case, _random


def flops_cases() -> list[tuple[int, int, int, int]]:
    """(n_q, n_k, d_k, d_v) of attention_flops."""
    return [(1, 1, 1, 1), (7, 13, 5, 3), (1024, 1024, 64, 64), (1, 4096, 128, 64),
            (300, 20, 1, 9), (131072, 131072, 128, 128)]


def memory_cases() -> list[tuple[dict[str, int], dict[str, int]]]:
    """(positional, keyword) arguments of attention_memory_bytes."""
    return [({"n_q": 1, "n_k": 1}, {"itemsize": 1}), ({"n_q": 1024, "n_k": 1024}, {}),
            ({"n_q": 2048, "n_k": 512, "itemsize": 2}, {}), ({"n_q": 131072, "n_k": 131072}, {"itemsize": 2}),
            ({"n_q": 1, "n_k": 4096}, {"itemsize": 8}), ({"n_q": 7, "n_k": 3}, {"itemsize": 4})]


def window_cases() -> list[tuple[int, int]]:
    """(n, window) of local_window_mask."""
    return [(6, 2), (1, 0), (7, 10), (8, 3), (3, 2), (10, 4), (2, 1)]


def chunked_cases() -> list[_Chunked]:
    """The inputs of chunked_attention; the last one is the large case whose memory is measured."""
    rng = np.random.default_rng(7)
    blocks = rng.random((2, 5, 9)) < 0.6
    blocks[0, 0] = False                                           # fully masked row
    blocks[1, 2, :8] = False                                       # only the last key allowed
    blocks[1, 3, :4] = False                                       # first two chunks blocked
    blocks[:, 4, 4] = True
    pad = masking.key_padding_mask(masking.padding_mask([9, 3], 9))     # (2, 1, 9): whole chunks blocked at the end
    late = np.ones((3, 6), dtype=bool)
    late[:, :4] = False                                            # every query: first chunks blocked
    late[1] = False
    big = _random((), 4, 10, 3, 2, 3, seed=8, scale=60.0)        # scores up to ~1e4, both signs
    grow = _Chunked(*_growing_scores(2, 11, 5000.0, seed=9), 2)
    return [
        _random((), 3, 4, 2, 2, 1, seed=2),                         # chunk_size = 1
        _random((), 4, 6, 3, 2, 10, seed=3),                        # chunk_size > n_k: one chunk
        _random((), 5, 6, 2, 4, 6, seed=4),                         # chunk_size = n_k
        _random((), 3, 12, 5, 1, 5, seed=5),                        # 12 keys in chunks of 5, d_v = 1
        _random((2,), 5, 9, 4, 3, 4, seed=6, mask=blocks),          # batch, fully masked rows, blocked chunks
        _random((2,), 4, 9, 3, 3, 4, seed=10, mask=pad),            # key padding (2, 1, 9)
        _random((2, 3), 6, 6, 2, 3, 4, seed=11, mask=masking.causal_mask(6)),  # 2 batch axes, causal mask
        _random((), 3, 6, 4, 2, 2, seed=12, mask=late),             # the first chunks of every row blocked
        _random((), 1, 1, 1, 1, 1, seed=13),                        # one query, one key, d = 1
        _random((1,), 7, 3, 1, 5, 2, seed=14),                      # n_q > n_k, d_k = 1, batch of 1
        big,
        grow,
        _memory_case(np.arange(4096) % 7 != 3),                     # measured; (n_k,): every 7th key blocked
    ]


# --------------------------------------------------------------------------- question keys

def _keys() -> dict:
    """The keys of ps10's questions (qkv_course.checks.cost.QUESTIONS), computed with the course's
    cost module from the numbers the questions give."""
    import math

    from qkv_course import cost
    from qkv_course.checks.questions import Key, Mistake

    # Question 1: one layer, 16 heads of 64 (d_model 1024), n = 8192, bfloat16 (2 bytes).
    heads, d_head, n = 16, 64, 8192
    d_model = heads * d_head
    flops = heads * cost.attention_flops(n, n, d_head, d_head)
    one_head_bytes = cost.attention_memory_bytes(n, n, itemsize=2)
    gigabytes = heads * one_head_bytes / 1e9
    per_n2 = heads * cost.attention_flops(1, 1, d_head, d_head)        # the products: per_n2 * n^2
    projection = 2 * d_model * d_model                                   # one projection: this * n
    bill = Key(
        {"flops": flops, "gigabytes": gigabytes, "crossover_n": round(4 * projection / per_n2)},
        (Mistake({"flops": flops / 2},
                 "that is half the count: a multiply-add is 2 FLOPs (a multiplication and an "
                 "addition), and both products count, Q K^T and weights @ V, each 2 n^2 d_head "
                 "FLOPs per head."),
         Mistake({"flops": flops / heads},
                 "that is one head's count; the layer has 16 heads, each with its own n x n "
                 "scores and its own weighted sum of values."),
         Mistake({"flops": heads * cost.attention_flops(n, n, d_model, d_model)},
                 "each head works on d_head = 64 features, not d_model = 1024: the 16 heads "
                 "together have the d_model features, so the layer's count is 4 n^2 d_model, "
                 "not 16 times that."),
         Mistake({"gigabytes": heads * one_head_bytes / 2**30},
                 "that is in GiB (2^30 bytes); the question asks for GB, 10^9 bytes."),
         Mistake({"gigabytes": one_head_bytes / 1e9},
                 "that is one head's score matrix; each of the 16 heads has its own."),
         Mistake({"crossover_n": round(3 * projection / per_n2)},
                 "the output projection W_o counts too: four projections, 8 n d_model^2 FLOPs, "
                 "against the products' 4 n^2 d_model.")),
        hint="By the chapter's definition one head costs 4 n^2 d_head FLOPs and holds n^2 numbers "
             "of 2 bytes; the projections grow like n, the products like n^2.")

    # Question 2: n = 1000, window 64 on both sides, d = 64.
    n, window, d = 1000, 64, 64
    mask = cost.local_window_mask(n, window)
    kept = int(mask.sum())
    per_score = cost.attention_flops(1, 1, d, d)                # one score and its value: 4 d
    local = Key(
        {"kept": kept, "band_flops": per_score * kept, "layers": math.ceil((n - 1) / window)},
        (Mistake({"kept": n * (2 * window + 1)},
                 "that is n (2w + 1): the rows near the ends have fewer keys (row 0 sees keys 0 "
                 "to 64 only), so two triangles of w (w + 1) / 2 scores each are missing."),
         Mistake({"kept": int(np.tril(mask).sum())},
                 "the window reaches w positions on both sides, |i - j| <= w, not only to the "
                 "left as a causal window would."),
         Mistake({"kept": int(cost.local_window_mask(n, window - 1).sum())},
                 "a key exactly w = 64 positions away is inside the window: |i - j| <= w."),
         Mistake({"band_flops": cost.attention_flops(n, n, d, d)},
                 "that is full attention's count: a kernel that computes only the band spends "
                 "4 d FLOPs per kept score (its dot product and its share of the output), so its "
                 "FLOPs are proportional to the kept scores."),
         Mistake({"layers": (n - 1) // window},
                 "15 layers reach only 15 x 64 = 960 positions back; round up: 16 x 64 = 1024 "
                 "covers 999."),
         Mistake({"layers": math.ceil((n - 1) / (2 * window + 1))},
                 "each layer moves information at most w = 64 positions (the reach on one side), "
                 "not the window's whole width 2w + 1.")),
        hint="Count the True entries row by row (min(i, w) + min(n - 1 - i, w) + 1 keys); a band "
             "kernel spends 4 d FLOPs per kept score; each layer carries information at most w "
             "positions further.")

    # Question 3: one query, six keys in chunks of 2, keys 0 and 1 masked.
    scores = np.array([[-np.inf, -np.inf, 2.0, 0.5, 3.0, 1.0]])
    values = np.array([[8.0], [-4.0], [6.0], [-2.0], [1.0], [9.0]])
    state, sums = cost.RunningSoftmax(), []
    for start in range(0, 6, 2):
        state.update(scores[:, start:start + 2], values[start:start + 2])
        sums.append(float(state.l.item()))

    def running(row, rescale=lambda m, m_new: math.exp(m - m_new), final_max=False):
        """l after each chunk of ``row``, the old l multiplied by rescale(m, m') when m grows to m'
        (or every term relative to the row's final maximum)."""
        m, l, out = -np.inf, 0.0, []
        for start in range(0, 6, 2):
            s = row[start:start + 2]
            m_new = max(m, s.max())
            shift = row.max() if final_max else (0.0 if np.isneginf(m_new) else m_new)
            old = l * (1.0 if final_max or np.isneginf(m) else rescale(m, shift))
            l, m = old + np.exp(s - shift).sum(), m_new
            out.append(float(l))
        return out

    assert np.allclose(running(scores[0]), sums)
    a = float(state.acc.item())
    online = Key(
        {"l": sums, "output": float(state.result().item()), "careless_nan": True},
        (Mistake({"l": running(scores[0], rescale=lambda m, m_new: 1.0)},
                 "the old l was not rescaled when the maximum grew from 2 to 3: its terms are "
                 "e^(s_j - 2), and multiplying by e^(m - m') = e^(2 - 3) makes them e^(s_j - 3), "
                 "like the new chunk's."),
         Mistake({"l": running(scores[0], rescale=lambda m, m_new: math.exp(m_new - m))},
                 "the factor is e^(m - m'), at most 1 (the maximum only grows): e^(2 - 3), not "
                 "e^(3 - 2)."),
         Mistake({"l": running(scores[0], final_max=True)},
                 "after chunk 2 the maximum seen so far is 2: the running sum cannot be relative "
                 "to the final maximum 3, which is not known until chunk 3 arrives."),
         Mistake({"l": running(np.where(np.isneginf(scores[0]), 0.0, scores[0]))},
                 "a masked key's score is -inf, so e^(-inf) = 0 adds nothing: the masked keys 0 "
                 "and 1 do not have scores of 0."),
         Mistake({"output": a},
                 "that is a, the weighted sum before dividing: the output is a / l."),
         Mistake({"careless_nan": False},
                 "after chunk 1 both scores are -inf, so m' = -inf and the careless update computes "
                 "e^(-inf - (-inf)) = e^NaN = NaN; the NaN then stays in l and a for good.")),
        hint="Follow the update of the chapter: m' = max(m, the chunk's scores), l' = e^(m - m') l "
             "+ sum e^(s_j - m'), shifting by 0 while m' = -inf; the output is a / l.")
    return {"layer_bill": bill, "local_window": local, "online_softmax": online}


KEYS = _keys()
