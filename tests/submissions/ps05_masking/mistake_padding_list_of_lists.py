# expect: partial
# feedback: return a numpy array of dtype bool
# A list of lists of booleans.
# %% padding_mask
def padding_mask(lengths, max_len):
    return [[i < L for i in range(max_len)] for L in lengths]
