# expect: full
# Mask compared with 1 (works for booleans too), np.full for the no-mask case, np.divide with
# where= for the empty rows, and the pair returned as tuple([...]).
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    if mask is None:
        mask = np.full(Q.shape[:-1] + (K.shape[-2],), True)
    allowed = np.asarray(mask) == 1
    scores = (Q @ np.swapaxes(K, -1, -2)) * (1.0 / np.sqrt(Q.shape[-1]))
    scores = np.where(allowed, scores, -np.inf)
    best = np.nan_to_num(np.max(scores, axis=-1, keepdims=True), neginf=0.0)
    num = np.exp(scores - best)
    den = num.sum(axis=-1, keepdims=True)
    w = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
    return tuple([w @ V, w])
