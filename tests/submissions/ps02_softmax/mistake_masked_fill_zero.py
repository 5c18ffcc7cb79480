# expect: partial
# feedback: it looks like their scores were set to 0
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    return softmax(scores * mask, axis=axis)
