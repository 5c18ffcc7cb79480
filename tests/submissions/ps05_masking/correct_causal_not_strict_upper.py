# expect: full
# np.triu(k=1) == False is the lower triangle with the diagonal: a right answer.
# %% causal_mask
def causal_mask(n):
    return np.triu(np.ones((n, n), dtype=bool), k=1) == False
