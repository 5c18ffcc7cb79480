# expect: partial
# feedback: the precision of float32
# Converts to float32 "to save memory": stable, but only about 7 significant digits.
# %% logsumexp
def logsumexp(x, axis=-1):
    x = np.asarray(x, dtype=np.float32)
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)
