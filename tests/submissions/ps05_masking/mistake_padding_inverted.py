# expect: partial
# feedback: True and False are swapped: it marks the padding
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.arange(max_len)[None, :] >= np.asarray(lengths)[:, None]
