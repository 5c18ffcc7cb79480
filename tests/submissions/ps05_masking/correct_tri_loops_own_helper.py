# expect: full
# causal_mask with np.tri, padding_mask with a loop over a list, and cross_attention through an
# attention helper of the student's own that fills blocked scores with -1e9 and then zeroes the
# blocked weights (which also empties the rows of queries with nothing to attend to).
# %% causal_mask
def causal_mask(n):
    return np.tri(n, dtype=bool)
# %% padding_mask
def padding_mask(lengths, max_len):
    m = np.zeros((len(lengths), max_len), dtype=bool)
    for b, L in enumerate(lengths):
        m[b, :L] = True
    return m
# %% cross_attention
def attend(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(K.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    return w @ V, w

def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    return attend(X_q @ W_q, X_kv @ W_k, X_kv @ W_v, mask)
