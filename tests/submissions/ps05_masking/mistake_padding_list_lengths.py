# expect: partial
# feedback: lengths may be a Python list or tuple
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.arange(max_len)[None, :] < lengths[:, None]
