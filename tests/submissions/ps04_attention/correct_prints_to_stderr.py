# expect: full
# stderr: print(..., file=sys.stderr) on every call
# Prints debugging output to stderr: reported as a note, costs nothing.
# %% scaled_dot_product_attention
import sys
def scaled_dot_product_attention(Q, K, V, mask=None):
    print("debug: shapes", Q.shape, K.shape, file=sys.stderr)
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(-1, keepdims=True); m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m); t = e.sum(-1, keepdims=True)
    w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
    return w @ V, w
