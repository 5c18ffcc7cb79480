# expect: partial
# feedback: The tokens were cut into num_heads groups
# np.split along the tokens (axis -2) instead of the features: cuts the sentence into num_heads
# groups of tokens.
# %% split_heads
def split_heads(X, num_heads):
    if X.shape[-1] % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return np.stack(np.split(X, num_heads, axis=-2), axis=-3)
