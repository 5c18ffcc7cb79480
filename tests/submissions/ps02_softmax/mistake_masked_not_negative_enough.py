# expect: partial
# feedback: small but non-zero weights
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    mask = np.broadcast_to(mask, scores.shape)
    w = softmax(np.where(mask, scores, scores.min() - 40.0), axis=axis)
    return w * mask.any(axis=axis, keepdims=True)
