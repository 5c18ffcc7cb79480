# expect: partial
# feedback: came out all False
# %% padding_mask
def padding_mask(lengths, max_len):
    mask = np.ones((len(lengths), max_len), dtype=bool)
    for b, length in enumerate(lengths):
        mask[b, -(max_len - length):] = False
    return mask
