# expect: partial
# feedback: This case has 1 leading batch axis
# A transpose that lists every axis, (1, 0, 2): right for (num_heads, n, d_head) only.
# %% merge_heads
def merge_heads(X):
    num_heads, n, d_head = X.shape[-3:]
    return X.transpose(1, 0, 2).reshape(n, num_heads * d_head)
