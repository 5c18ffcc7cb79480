# expect: partial
# feedback: a masked position has a score far above every allowed one
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) * mask
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros(e.shape), where=total > 0)
