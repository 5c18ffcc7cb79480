# expect: full
# softmax as exp(x - logsumexp(x)); logsumexp with np.logaddexp.reduce; masking with a large
# negative fill value, and fully masked slices zeroed afterwards.
# %% softmax
def _log_normaliser(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))

def softmax(x, axis=-1):
    x = np.asarray(x, dtype=float)
    return np.exp(x - _log_normaliser(x, axis))
# %% logsumexp
def logsumexp(x, axis=-1):
    return np.logaddexp.reduce(np.asarray(x, dtype=float), axis=axis)
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    mask = np.broadcast_to(mask, np.shape(scores))
    weights = softmax(np.where(mask, scores, -1e9), axis=axis)
    return weights * mask.any(axis=axis, keepdims=True)
