# expect: partial
# feedback: the repeat to 32 heads happens at attention time
# The keys cached after repeating them for the 32 query heads.
# %% gqa_sharing
gqa_sharing = {"kv_head": 3, "w_k_shape": (4096, 1024), "k_cache_shape": (2, 32, 100, 128)}
