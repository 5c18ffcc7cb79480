# expect: partial
# feedback: It sums along the last axis, but axis=0 was passed
# Stable, but hard-codes the last axis and never uses the axis argument.
# %% logsumexp
def logsumexp(x, axis=-1):
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]
