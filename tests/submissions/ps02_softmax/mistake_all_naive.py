# expect: partial
# feedback: np.exp overflows to inf above about 709
# feedback: every exp underflows to 0 (and log(0) = -inf)
# Straight from the formulas, with no care for large inputs: only the small cases pass.
# %% softmax
def softmax(x, axis=-1):
    return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
# %% logsumexp
def logsumexp(x, axis=-1):
    return np.log(np.exp(x).sum(axis=axis))
