# expect: full
# stderr: numpy RuntimeWarnings (divide by zero in log, invalid value in subtract) from its own computation
# Masking by adding log(mask): log(1) = 0 keeps a score, log(0) = -inf blocks it. numpy warns
# about log(0), and about -inf - (-inf) = NaN in a fully masked slice, which is then zeroed.
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    z = np.asarray(scores, dtype=float) + np.log(np.asarray(mask, dtype=float))
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    weights = e / e.sum(axis=axis, keepdims=True)
    return np.nan_to_num(weights, nan=0.0)
