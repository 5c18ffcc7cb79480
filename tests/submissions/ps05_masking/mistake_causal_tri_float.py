# expect: partial
# feedback: its dtype is float64, not bool
# np.tri(n) without dtype=bool gives floats.
# %% causal_mask
def causal_mask(n):
    return np.tri(n)
