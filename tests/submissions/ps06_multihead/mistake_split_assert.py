# expect: partial
# feedback: Raise ValueError instead of AssertionError
# %% split_heads
def split_heads(X, num_heads):
    assert X.shape[-1] % num_heads == 0, "d_model must be a multiple of num_heads"
    d_head = X.shape[-1] // num_heads
    pieces = X.reshape(X.shape[:-1] + (num_heads, d_head))
    return np.swapaxes(pieces, -3, -2)
