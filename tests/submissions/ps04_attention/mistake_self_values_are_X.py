# expect: partial
# feedback: The output averages the embeddings X
# Values not projected: V = X.
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    out, w = scaled_dot_product_attention(X @ W_q, X @ W_k, X, mask)
    return out, w
