# expect: zero
# feedback: bytes_per_number was ignored
# %% kv_cache_bytes
def kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2):
    return 2 * layers * kv_heads * d_head * tokens * batch * 2
