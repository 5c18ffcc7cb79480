# expect: zero
# feedback: This counts bits
# %% kv_cache_bytes
def kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2):
    return 2 * layers * kv_heads * d_head * tokens * batch * bytes_per_number * 8
