"""ps09's questions (see scripts/question_cells.py): the KV cache's size, grouped-query attention's
sharing and shapes, and what a generation step costs with and without the cache, predicted."""

CHAPTER = "generation"
BEFORE = "explore_intro"
SECTION = 4

QUESTIONS = [
    dict(name="cache_size", points=2,
         answer='{"per_token": 163_840, "total_gib": 10.0, "mha_gib": 50.0}', text=r"""
### Question 1: the size of a KV cache

A model has 40 layers, each with 40 query heads and 8 key/value heads (grouped-query attention)
of $d_\text{head} = 128$, and keeps its cache in bfloat16 (2 bytes per number). A server runs a
batch of 16 sequences of 4096 tokens each.

- `"per_token"`: how many bytes of cache does one token of one sequence take, all layers together?
- `"total_gib"`: how large is the cache of the whole batch, in GiB ($2^{30}$ bytes), to 3 decimals?
- `"mha_gib"`: how large would it be, in GiB, if the model used ordinary multi-head attention
  (every query head with its own key/value head), all else the same?
"""),
    dict(name="gqa_sharing", points=2,
         answer='{"kv_head": 3, "w_k_shape": (4096, 1024), "k_cache_shape": (2, 8, 100, 128)}', text=r"""
### Question 2: who shares what

A model has $d_\text{model} = 4096$ and, in every layer, $h = 32$ query heads and
$h_\text{kv} = 8$ key/value heads of $d_\text{head} = 128$, grouped as in part 1 (Llama 3 8B's
shapes). Its layers compute the new token's keys as `x @ W_k` and keep their caches as
`decode_step` does.

- `"kv_head"`: which key/value head (0 to 7) does query head 13 read?
- `"w_k_shape"`: the shape of one layer's `W_k`, as a tuple.
- `"k_cache_shape"`: a batch of 2 sequences has read 99 tokens each, and the step for the 100th
  token has just run. What is the shape of one layer's `K_cache` now?
"""),
    dict(name="step_cost", points=2,
         answer='{"with_cache": 1000, "without_cache": 500_500, "whole_generation": 500_500}', text=r"""
### Question 3: what a step costs

Take one causal attention layer with one head. The model has read 999 tokens and now computes the
step for token 1000 (1000 tokens in all, the new one last). Count the query–key dot products
(scores) it computes, only those the causal mask allows: query $i$ with the keys $j \le i$ (a
masked score is never computed).

- `"with_cache"`: how many does the step compute with a KV cache?
- `"without_cache"`: how many without a cache, when the step recomputes the causal attention of
  all 1000 tokens and keeps only the last token's row?
- `"whole_generation"`: with the cache, how many do all 1000 steps compute together, generating
  the 1000 tokens one at a time from the first?
"""),
]
