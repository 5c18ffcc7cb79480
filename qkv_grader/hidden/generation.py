"""Hidden cases of ps09, "Generating text: the KV cache and shared heads" (instructor side only):
the inputs that :mod:`qkv_course.checks.generation`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.generation import BytesCase, GQACase, StepCase, gqa_case, step_case


def gqa_cases() -> list[GQACase]:
    """Multi-query (h_kv = 1), ordinary multi-head (h_kv = h), groups of 2 and 4, batch axes, a
    causal mask, a mask with a query that sees nothing, decoding (one query, many keys)."""
    empty = np.ones((3, 5), dtype=bool)
    empty[1] = False
    causal = np.tril(np.ones((5, 5), dtype=bool))
    return [
        gqa_case((), 6, 1, 4, 4, 3, 3, seed=191),
        gqa_case((), 3, 3, 2, 5, 4, 2, seed=192),
        gqa_case((2,), 8, 2, 5, 5, 4, 4, seed=193, mask=causal),
        gqa_case((2, 3), 4, 2, 3, 5, 2, 3, seed=194, mask=empty),
        gqa_case((), 8, 2, 1, 9, 4, 4, seed=195),
    ]


def bad_gqa_cases() -> list[GQACase]:
    """h_kv does not divide h; K and V with different numbers of heads."""
    return [gqa_case((), 6, 4, 2, 2, 2, 2, seed=196), gqa_case((2,), 4, 2, 2, 3, 2, 2, seed=197, v_heads=1)]


def step_cases() -> list[StepCase]:
    """The first step (empty cache), several lengths, batches of 1 and 3 and two batch axes,
    multi-query, grouped-query and ordinary multi-head."""
    return [step_case((), 0, 8, 4, 1, seed=198), step_case((), 7, 12, 3, 3, seed=199),
            step_case((3,), 5, 8, 4, 2, seed=200), step_case((1,), 12, 16, 8, 4, seed=201),
            step_case((2, 2), 2, 6, 2, 1, seed=202)]


def bytes_cases() -> list[BytesCase]:
    """float32 for one token, Llama-style (GQA) at full context, GPT-2 small for a batch, one byte per number."""
    return [BytesCase(24, 4, 64, 1, bytes_per_number=4), BytesCase(32, 8, 128, 8192),
            BytesCase(12, 12, 64, 1024, batch=8), BytesCase(2, 1, 16, 300, batch=5, bytes_per_number=1)]


def _keys() -> dict:
    """The keys of ps09's questions (qkv_course.checks.generation.QUESTIONS), computed with the
    course's cache formula, grouped-query attention, decode step and causal mask from the numbers
    the questions give."""
    from qkv_course import generation as gen
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.masking import causal_mask

    # Question 1: 40 layers, 40 query heads, 8 key/value heads of 128, bfloat16; 16 x 4096 tokens.
    layers, heads, kv_heads, d_head, tokens, batch, GiB = 40, 40, 8, 128, 4096, 16, 2**30
    per_token = gen.kv_cache_bytes(layers, kv_heads, d_head, 1)
    total = gen.kv_cache_bytes(layers, kv_heads, d_head, tokens, batch)
    mha = gen.kv_cache_bytes(layers, heads, d_head, tokens, batch)
    size = Key(
        {"per_token": per_token, "total_gib": total / GiB, "mha_gib": mha / GiB},
        (Mistake({"per_token": per_token // 2},
                 "that is half the cache: it keeps a key AND a value for every token, key/value head "
                 "and layer, 2 vectors of d_head numbers of 2 bytes each."),
         Mistake({"per_token": gen.kv_cache_bytes(layers, heads, d_head, 1)},
                 "the cache keeps one key and one value per key/value head (8), not per query head "
                 "(40, or d_model = 40 x 128 features): a group's query heads share them, and queries "
                 "are not cached at all."),
         Mistake({"per_token": gen.kv_cache_bytes(1, kv_heads, d_head, 1)},
                 "that is one layer's cache: every one of the 40 layers has its own keys and values."),
         Mistake({"per_token": gen.kv_cache_bytes(layers, kv_heads, d_head, 1, bytes_per_number=4)},
                 "bfloat16 takes 2 bytes per number (4 is float32)."),
         Mistake({"total_gib": total / 1e9},
                 "that is in GB (10^9 bytes); a GiB is 2^30 = 1,073,741,824 bytes."),
         Mistake({"total_gib": total / batch / GiB},
                 "that is one sequence's cache: each of the 16 sequences of the batch keeps its own "
                 "keys and values."),
         Mistake({"total_gib": total / 2 / GiB},
                 "that is half the cache: it keeps a key and a value for every token, key/value head "
                 "and layer."),
         Mistake({"total_gib": mha / GiB},
                 "that counts 40 key/value heads: with grouped-query attention the model caches only "
                 "its 8 key/value heads."),
         Mistake({"mha_gib": total / GiB},
                 "with ordinary multi-head attention every one of the 40 heads has its own key and "
                 "value: 40 key/value heads instead of 8, and a cache 40 / 8 = 5 times larger."),
         Mistake({"mha_gib": total / GiB * kv_heads / heads},
                 "multi-head attention has more key/value heads (40) than this model (8), so its cache "
                 "is larger, not smaller: 40 / 8 = 5 times."),
         Mistake({"mha_gib": mha / 1e9},
                 "that is in GB (10^9 bytes); a GiB is 2^30 = 1,073,741,824 bytes.")),
        hint="Bytes = 2 (K and V) x layers x key/value heads x d_head x tokens x sequences x 2 bytes; "
             "1 GiB = 2^30 bytes.")

    # Question 2: d_model 4096, 32 query heads, 8 key/value heads of 128 (Llama 3 8B's shapes).
    d_model, h, h_kv, d_head, query, batch, t = 4096, 32, 8, 128, 13, 2, 99
    V = np.broadcast_to(np.arange(h_kv, dtype=float)[:, None, None], (h_kv, 1, 1))   # kv head j holds j
    out, _ = gen.grouped_query_attention(np.zeros((h, 1, 1)), np.zeros((h_kv, 1, 1)), V)
    kv_head = int(out[query, 0, 0])
    small = 2                                              # d_head for a cheap run of the decode step
    rng = np.random.default_rng(0)
    W_q, W_o = rng.normal(size=(2, h * small, h * small))
    W_k, W_v = rng.normal(size=(2, h * small, h_kv * small))
    _, K, _ = gen.cached_step(rng.normal(size=(batch, h * small)), np.zeros((batch, h_kv, t, small)),
                              np.zeros((batch, h_kv, t, small)), W_q, W_k, W_v, W_o, h)
    k_cache = K.shape[:-1] + (d_head,)
    w_k = (d_model, W_k.shape[-1] // small * d_head)
    sharing = Key(
        {"kv_head": kv_head, "w_k_shape": w_k, "k_cache_shape": k_cache},
        (Mistake({"kv_head": query % h_kv},
                 "that is 13 mod 8, the key/value heads dealt out in turn (np.tile). In the course's "
                 "grouping neighbouring query heads share one: heads 0-3 read kv head 0, heads 4-7 kv "
                 "head 1, and so on."),
         Mistake({"kv_head": query // h_kv},
                 "that divides by the number of key/value heads (8). Divide by the group's size, "
                 "h / h_kv = 4 query heads per key/value head."),
         Mistake({"w_k_shape": (d_model, d_model)},
                 "that is W_k of ordinary multi-head attention, one key head per query head. With 8 "
                 "key/value heads, x @ W_k gives 8 x 128 = 1024 features."),
         Mistake({"w_k_shape": (d_model, d_head)},
                 "that is the W_k of a single key/value head (multi-query attention). One matrix gives "
                 "the keys of all 8 key/value heads: 8 x 128 columns."),
         Mistake({"w_k_shape": w_k[::-1]},
                 "that is transposed: the keys are x @ W_k, so W_k has a row for each of x's d_model "
                 "features."),
         Mistake({"k_cache_shape": (batch, h, t + 1, d_head)},
                 "the cache keeps one key per key/value head (8), not per query head: the repeat to 32 "
                 "heads happens at attention time and is never stored, which is what saves the memory."),
         Mistake({"k_cache_shape": (batch, h_kv, t, d_head)},
                 "the step appends the new token's key to the cache before attending (a token attends "
                 "to itself), so after it the cache holds all 100 tokens."),
         Mistake({"k_cache_shape": (batch, t + 1, h_kv, d_head)},
                 "the caches keep the head axis before the token axis, (..., h_kv, t, d_head): each "
                 "step appends along axis -2."),
         Mistake({"k_cache_shape": (h_kv, t + 1, d_head)},
                 "that leaves out the batch axis: each of the 2 sequences has its own cache.")),
        hint="Query head i reads key/value head i // (h / h_kv); W_k maps d_model features to the keys "
             "of the h_kv key/value heads; the cache is (batch, h_kv, tokens, d_head).")

    # Question 3: one layer, one head; the step for token n = 1000 after 999 read.
    n = 1000
    mask = causal_mask(n)                                  # step i computes row i's allowed products
    _, grown, _ = gen.cached_step(np.ones(1), np.zeros((1, n - 1, 1)), np.zeros((1, n - 1, 1)),
                                  *np.ones((4, 1, 1)), 1)
    with_cache = grown.shape[-2]                           # the new query meets every cached key
    without = int(mask.sum())
    whole = int(sum(row.sum() for row in mask))            # step i of the generation: row i
    cost = Key(
        {"with_cache": with_cache, "without_cache": without, "whole_generation": whole},
        (Mistake({"with_cache": n - 1},
                 "the step appends the new token's key to the cache before attending, and a token may "
                 "attend to itself: its query meets 999 + 1 keys."),
         Mistake({"with_cache": 1},
                 "the cache saves recomputing the earlier tokens' keys and values, not the scores: the "
                 "new query still meets every cached key, one row of n products."),
         Mistake({"without_cache": n * n},
                 "that counts the masked products too: the causal mask allows query i only the keys "
                 "j <= i, so row i has i + 1 products, 1 + 2 + ... + 1000 in all."),
         Mistake({"without_cache": n * (n - 1) // 2},
                 "that leaves out the diagonal: each token may attend to itself, so row i (from 0) "
                 "has i + 1 products."),
         Mistake({"without_cache": n},
                 "without a cache the step recomputes the keys, values and rows of every token, all "
                 "1000 rows of the causal attention, not only the last one."),
         Mistake({"whole_generation": n * n},
                 "the steps do not all cost 1000: step k has only k tokens in its cache, so it computes "
                 "k products, 1 + 2 + ... + 1000 in all."),
         Mistake({"whole_generation": sum(k * (k + 1) // 2 for k in range(1, n + 1))},
                 "that is the whole generation without the cache (each step recomputing all its rows). "
                 "With the cache step k computes only its own row, k products."),
         Mistake({"whole_generation": n * (n - 1) // 2},
                 "that leaves out each token's product with its own key: step k meets the k - 1 cached "
                 "keys and its own, k products."),
         Mistake({"whole_generation": with_cache},
                 "that is one step: the question asks for all 1000 steps together, the first with 1 "
                 "token and the last with 1000.")),
        hint="With the cache a step computes one row: the new query against every cached key, itself "
             "included. Without it, every row of the causal attention again: 1 + 2 + ... + n.")
    return {"cache_size": size, "gqa_sharing": sharing, "step_cost": cost}


KEYS = _keys()
