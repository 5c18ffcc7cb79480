# expect: partial
# feedback: Move the heads axis back behind the tokens
# %% merge_heads
def merge_heads(X):
    *batch, num_heads, n, d_head = X.shape
    return X.reshape(*batch, n, num_heads * d_head)
