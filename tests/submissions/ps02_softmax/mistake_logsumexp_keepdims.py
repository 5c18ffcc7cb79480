# expect: partial
# feedback: It keeps the summed axis with length 1
# %% logsumexp
def logsumexp(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
