# expect: partial
# feedback: that is W_k of ordinary multi-head attention
# W_k taken as square, one key head per query head.
# %% gqa_sharing
gqa_sharing = {"kv_head": 3, "w_k_shape": (4096, 4096), "k_cache_shape": (2, 8, 100, 128)}
