# expect: partial
# feedback: without complaint
# Slices never fail: with d_model = 10 and 4 heads it silently drops two features.
# %% split_heads
def split_heads(X, num_heads):
    d_head = X.shape[-1] // num_heads
    heads = [X[..., h * d_head:(h + 1) * d_head] for h in range(num_heads)]
    return np.stack(heads, axis=-3)
