# expect: partial
# feedback: the heads axis must come before the tokens
# Cuts the features into heads but stops there: (..., n, num_heads, d_head).
# %% split_heads
def split_heads(X, num_heads):
    *batch, n, d_model = X.shape
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return X.reshape(*batch, n, num_heads, d_model // num_heads)
