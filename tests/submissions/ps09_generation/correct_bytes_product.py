# expect: full
# math.prod over the factors, as an int.
# %% kv_cache_bytes
import math


def kv_cache_bytes(layers, kv_heads, d_head, tokens, batch=1, bytes_per_number=2):
    return int(math.prod([2, layers, kv_heads, d_head, tokens, batch, bytes_per_number]))
