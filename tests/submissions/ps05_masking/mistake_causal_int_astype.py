# expect: partial
# feedback: its dtype is int64, not bool
# A 0/1 integer mask from .astype(int).
# %% causal_mask
def causal_mask(n):
    return (np.arange(n)[:, None] >= np.arange(n)).astype(int)
