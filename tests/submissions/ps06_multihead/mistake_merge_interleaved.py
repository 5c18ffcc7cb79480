# expect: partial
# feedback: The heads' features are interleaved
# Moves the heads axis to the end, (..., n, d_head, num_heads), before the reshape: the merged
# row holds feature 0 of every head, then feature 1 of every head, ...
# %% merge_heads
def merge_heads(X):
    *batch, num_heads, n, d_head = X.shape
    return np.moveaxis(X, -3, -1).reshape(*batch, n, num_heads * d_head)
