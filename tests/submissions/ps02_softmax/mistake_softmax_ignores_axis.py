# expect: partial
# feedback: It is normalised along the last axis, but axis=0 was passed
# %% softmax
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
