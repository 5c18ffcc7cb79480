# expect: partial
# feedback: Its rows are positions and its columns are sequences
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.arange(max_len)[:, None] < np.asarray(lengths)[None, :]
