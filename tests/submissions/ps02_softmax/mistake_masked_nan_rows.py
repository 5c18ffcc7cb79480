# expect: partial
# feedback: The NaN are in slices where every position is masked
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    z = np.where(mask, scores, -np.inf)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
