# expect: partial
# feedback: It is the log of the mean of the exponentials
# np.mean where the formula has a sum.
# %% logsumexp
def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.mean(np.exp(x - m), axis=axis))
