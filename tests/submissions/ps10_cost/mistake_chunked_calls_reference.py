# expect: partial
# feedback: chunked_attention calls qkv_course.attention.scaled_dot_product_attention
# %% chunked_attention
from qkv_course import attention as reference

def chunked_attention(Q, K, V, chunk_size, mask=None):
    out, _ = reference.scaled_dot_product_attention(Q, K, V, mask)
    return out
