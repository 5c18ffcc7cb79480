# expect: partial
# feedback: True and False are swapped: it marks the future positions
# %% causal_mask
def causal_mask(n):
    # True = "this key is in the future, block it"
    return np.triu(np.ones((n, n), dtype=bool), k=1)
