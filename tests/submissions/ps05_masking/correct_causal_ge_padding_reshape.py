# expect: full
# i >= j on reshaped aranges; lengths reshaped to a column.
# %% causal_mask
def causal_mask(n):
    i = np.arange(n).reshape(-1, 1)
    j = np.arange(n).reshape(1, -1)
    return i >= j
# %% padding_mask
def padding_mask(lengths, max_len):
    lengths = np.array(lengths).reshape(-1, 1)
    return np.arange(max_len) < lengths
