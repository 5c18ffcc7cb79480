# expect: full
# stderr: a UserWarning from warnings.warn on every call
# returns a list [output, weights]; tensordot on 2-d, recursion over leading axes; prints and warns
# %% scaled_dot_product_attention
import warnings
def scaled_dot_product_attention(Q, K, V, mask=None):
    if Q.ndim > 2:
        m = None if mask is None else np.broadcast_to(mask, Q.shape[:-1] + (K.shape[-2],))
        parts = [scaled_dot_product_attention(Q[i], K[i], V[i], None if m is None else m[i]) for i in range(Q.shape[0])]
        return [np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts])]
    print("attending", Q.shape, K.shape)
    warnings.warn("this is slow")
    s = np.tensordot(Q, K, axes=([1], [1])) / np.sqrt(Q.shape[1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=1, keepdims=True))
        w = e / e.sum(axis=1, keepdims=True)
    w = np.nan_to_num(w)
    return [np.tensordot(w, V, axes=([1], [0])), w]
