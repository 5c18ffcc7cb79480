# expect: partial
# feedback: its dtype is float64, not bool
# %% causal_mask
def causal_mask(n):
    return np.tril(np.ones((n, n)))
