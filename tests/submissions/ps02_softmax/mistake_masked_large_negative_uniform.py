# expect: partial
# feedback: got equal weights 1/n
# Fill value -1e9: right for every row that has an allowed position, uniform for the others.
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    return softmax(np.where(mask, scores, -1e9), axis=axis)
