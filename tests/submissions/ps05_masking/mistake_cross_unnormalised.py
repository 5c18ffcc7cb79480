# expect: partial
# feedback: The weights were not normalised
# exp(scores) without the division by their sum.
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = X_q @ W_q, X_kv @ W_k, X_kv @ W_v
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = np.exp(s)
    return w @ V, w
