# expect: partial
# feedback: lengths may be a Python list or tuple
# lengths.shape on a list.
# %% padding_mask
def padding_mask(lengths, max_len):
    m = np.zeros((lengths.shape[0], max_len), dtype=bool)
    for b in range(lengths.shape[0]):
        m[b, :lengths[b]] = True
    return m
