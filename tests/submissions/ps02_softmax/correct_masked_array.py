# expect: full
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    """numpy masked arrays: masked entries take no part in max, exp or sum; filled with 0."""
    allowed = np.broadcast_to(mask, np.shape(scores))
    z = np.ma.masked_array(scores, mask=~allowed)
    e = np.ma.exp(z - z.max(axis=axis, keepdims=True))
    return np.ma.filled(e / e.sum(axis=axis, keepdims=True), 0.0)
