# expect: partial
# feedback: modified its input array in place
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    mask = np.broadcast_to(mask, scores.shape)
    scores[~mask] = -np.inf
    anything = mask.any(axis=axis, keepdims=True)
    return np.where(mask, softmax(np.where(anything, scores, 0.0), axis=axis), 0.0)
