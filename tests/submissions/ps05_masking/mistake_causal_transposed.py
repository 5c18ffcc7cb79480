# expect: partial
# feedback: on and *above* the diagonal
# %% causal_mask
def causal_mask(n):
    return np.triu(np.ones((n, n), dtype=bool))
