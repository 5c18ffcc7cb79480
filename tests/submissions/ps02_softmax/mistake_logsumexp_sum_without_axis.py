# expect: partial
# feedback: was taken over the whole array, not along the axis
# Takes the maximum along the axis but forgets the axis in the sum: right for 1-d inputs only.
# %% logsumexp
def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m)))
