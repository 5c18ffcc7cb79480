# expect: full
# tril of an int matrix compared with 1; np.expand_dims on a list of lengths.
# %% causal_mask
def causal_mask(n):
    return np.tril(np.ones((n, n), dtype=int)) == 1
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.expand_dims(np.arange(max_len), 0) < np.expand_dims(lengths, 1)
