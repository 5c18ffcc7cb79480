# expect: partial
# feedback: one True too many
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.arange(max_len)[None, :] <= np.asarray(lengths)[:, None]
