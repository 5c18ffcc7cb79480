# expect: partial
# feedback: Each head is transposed, (d_head, n)
# Puts the features first (X^T), cuts them into heads, and forgets to turn each head back:
# every head comes out as a (d_head, n) matrix.
# %% split_heads
def split_heads(X, num_heads):
    *batch, n, d_model = X.shape
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return np.swapaxes(X, -1, -2).reshape(*batch, num_heads, d_model // num_heads, n)
