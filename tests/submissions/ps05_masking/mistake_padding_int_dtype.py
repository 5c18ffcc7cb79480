# expect: partial
# feedback: its dtype is int64, not bool
# %% padding_mask
def padding_mask(lengths, max_len):
    mask = np.zeros((len(lengths), max_len), dtype=int)
    for b, length in enumerate(lengths):
        mask[b, :length] = 1
    return mask
