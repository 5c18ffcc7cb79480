# expect: full
# Positions counted with cumsum and compared with the lengths.
# %% padding_mask
def padding_mask(lengths, max_len):
    lengths = np.asarray(lengths, dtype=int)
    m = np.ones((lengths.shape[0], max_len), dtype=int).cumsum(axis=1) <= lengths[:, np.newaxis]
    return m
