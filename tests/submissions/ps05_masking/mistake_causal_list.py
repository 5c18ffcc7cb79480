# expect: partial
# feedback: return a numpy array of dtype bool
# A list of lists of booleans.
# %% causal_mask
def causal_mask(n):
    return [[j <= i for j in range(n)] for i in range(n)]
