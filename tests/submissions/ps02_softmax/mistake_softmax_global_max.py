# expect: partial
# feedback: One maximum was subtracted for the whole array
# %% softmax
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)
