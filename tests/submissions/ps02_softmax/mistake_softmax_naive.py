# expect: partial
# feedback: np.exp overflows to inf above about 709
# The seed articles' softmax: the literal formula, without subtracting the maximum.
# %% softmax
def softmax(x, axis=-1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)
