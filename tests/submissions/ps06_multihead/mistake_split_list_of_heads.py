# expect: partial
# feedback: returned a list; it should return a numpy array
# Returns the heads as a Python list of (..., n, d_head) arrays instead of one array.
# %% split_heads
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    d_head = d_model // num_heads
    return [X[..., h * d_head:(h + 1) * d_head] for h in range(num_heads)]
