# expect: full
# Per token first, then times the tokens and the batch.
# %% kv_cache_bytes
def kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2):
    per_token = layers * (kv_heads * d_head) * bytes_per_number * 2
    return per_token * tokens * batch
