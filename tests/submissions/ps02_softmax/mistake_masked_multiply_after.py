# expect: partial
# feedback: the remaining weights no longer sum to 1
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    return softmax(scores, axis=axis) * mask
