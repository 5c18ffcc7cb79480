# expect: partial
# feedback: True in the mask means 'may attend'
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    blocked = np.broadcast_to(mask, scores.shape)   # (mistake: reads True as "blocked")
    z = np.where(blocked, -np.inf, scores)
    anything = (~blocked).any(axis=axis, keepdims=True)
    return np.where(blocked, 0.0, softmax(np.where(anything, z, 0.0), axis=axis))
