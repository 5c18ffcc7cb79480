# expect: partial
# feedback: It has max(lengths) columns
# The mask is max(lengths) wide instead of max_len.
# %% padding_mask
def padding_mask(lengths, max_len):
    lengths = np.asarray(lengths)
    return np.arange(lengths.max()) < lengths[:, None]
