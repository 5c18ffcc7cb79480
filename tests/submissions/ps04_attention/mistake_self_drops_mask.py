# expect: partial
# feedback: The mask had no effect
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    return scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v)
