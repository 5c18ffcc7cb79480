# expect: partial
# feedback: One maximum was used for the whole array
# Shifts by the maximum of the whole array instead of each slice's own maximum.
# %% logsumexp
def logsumexp(x, axis=-1):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m), axis=axis))
