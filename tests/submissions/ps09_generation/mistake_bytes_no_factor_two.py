# expect: zero
# feedback: The factor 2 is missing
# %% kv_cache_bytes
def kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2):
    return layers * kv_heads * d_head * tokens * batch * bytes_per_number
