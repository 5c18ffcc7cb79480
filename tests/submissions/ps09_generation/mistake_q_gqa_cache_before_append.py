# expect: partial
# feedback: the step appends the new token's key to the cache before attending
# The cache taken to hold only the 99 tokens before the step.
# %% gqa_sharing
gqa_sharing = {"kv_head": 3, "w_k_shape": (4096, 1024), "k_cache_shape": (2, 8, 99, 128)}
