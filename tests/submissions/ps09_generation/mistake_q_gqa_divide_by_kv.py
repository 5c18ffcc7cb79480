# expect: partial
# feedback: Divide by the group's size
# Query head 13 // h_kv = 13 // 8 instead of 13 // (h / h_kv).
# %% gqa_sharing
gqa_sharing = {"kv_head": 1, "w_k_shape": (4096, 1024), "k_cache_shape": (2, 8, 100, 128)}
