# expect: partial
# feedback: tokens and heads are mixed up
# Reshapes straight to (..., num_heads, n, d_head): the right shape, the wrong numbers. Only
# split_heads loses points: multi_head_attention is graded with a correct split_heads in its place.
# %% split_heads
def split_heads(X, num_heads):
    *batch, n, d_model = X.shape
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return X.reshape(*batch, num_heads, n, d_model // num_heads)
