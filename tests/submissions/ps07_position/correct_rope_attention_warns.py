# expect: full
# stderr: numpy RuntimeWarnings (invalid value) from exp(-inf - -inf) on rows with nothing to attend to
# Lets 0/0 happen on fully masked rows and cleans the NaN up afterwards: numpy warns on stderr.
# %% rope_attention
def rope_attention(Q, K, V, positions_q, positions_k, mask=None):
    scores = apply_rope(Q, positions_q) @ np.swapaxes(apply_rope(K, positions_k), -1, -2)
    scores = scores / np.sqrt(np.shape(Q)[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = np.nan_to_num(e / e.sum(axis=-1, keepdims=True), nan=0.0)
    return w @ V, w
