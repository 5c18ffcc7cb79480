# expect: partial
# feedback: the heads are behind the tokens, but not yet joined
# Swaps the heads axis back behind the tokens and stops: (..., n, num_heads, d_head).
# %% merge_heads
def merge_heads(X):
    return np.swapaxes(X, -3, -2)
