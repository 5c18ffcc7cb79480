# expect: full
# triu transposed then cast to bool; np.less.outer for padding.
# %% causal_mask
def causal_mask(n):
    return np.triu(np.ones((n, n))).T.astype(bool)
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.less.outer(np.arange(max_len), lengths).T
