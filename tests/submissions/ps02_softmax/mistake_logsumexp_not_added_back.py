# expect: partial
# feedback: not added back after the log
# %% logsumexp
def logsumexp(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=axis))
