# expect: partial
# feedback: that is 13 mod 8
# The key/value heads dealt out in turn to the query heads (np.tile's order).
# %% gqa_sharing
gqa_sharing = {"kv_head": 5, "w_k_shape": (4096, 1024), "k_cache_shape": (2, 8, 100, 128)}
