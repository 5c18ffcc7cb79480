# expect: partial
# feedback: returned a generator; return the pair (output, weights) as a tuple
# Hostile: yields the two arrays.
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = X_q @ W_q, X_kv @ W_k, X_kv @ W_v
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    yield w @ V
    yield w
