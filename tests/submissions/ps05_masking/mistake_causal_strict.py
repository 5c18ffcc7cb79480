# expect: partial
# feedback: The diagonal is False
# %% causal_mask
def causal_mask(n):
    i = np.arange(n)
    return i[None, :] < i[:, None]
