# expect: partial
# feedback: The heads were stacked along the token axis
# Concatenates the heads along axis -2 (the tokens) instead of the features.
# %% merge_heads
def merge_heads(X):
    return np.concatenate([X[..., h, :, :] for h in range(X.shape[-3])], axis=-2)
