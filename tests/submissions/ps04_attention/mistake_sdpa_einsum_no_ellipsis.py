# expect: partial
# feedback: In einsum, write '...' for the leading axes
# einsum subscripts for 2-d arrays only: batches fail.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = np.einsum("qd,kd->qk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(-1, keepdims=True); m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m); t = e.sum(-1, keepdims=True)
    w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
    return w @ V, w
