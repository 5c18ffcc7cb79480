# expect: partial
# feedback: It uses the logarithm to base 10
# "log" written as np.log10.
# %% logsumexp
def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis)
    return m + np.log10(np.sum(np.exp(x - np.expand_dims(m, axis)), axis=axis))
