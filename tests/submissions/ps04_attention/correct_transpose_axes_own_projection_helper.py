# expect: full
# np.transpose with an explicit axes tuple, np.dot-free; self_attention via its own projections helper
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    axes = tuple(range(K.ndim - 2)) + (K.ndim - 1, K.ndim - 2)
    S = np.matmul(Q, np.transpose(K, axes)) / np.sqrt(Q.shape[-1])
    ok = np.ones_like(S, dtype=bool) if mask is None else np.broadcast_to(mask, S.shape)
    S = np.where(ok, S, -np.inf)
    mx = np.max(S, axis=-1, keepdims=True)
    mx[~np.isfinite(mx)] = 0
    E = np.exp(S - mx) * ok
    Z = np.sum(E, axis=-1, keepdims=True)
    Z[Z == 0] = 1
    W = E / Z
    return np.matmul(W, V), W
# %% self_attention
def _project(X, W):
    return np.einsum("...nd,dk->...nk", X, W)

def self_attention(X, W_q, W_k, W_v, mask=None):
    Q, K, V = _project(X, W_q), _project(X, W_k), _project(X, W_v)
    out, weights = scaled_dot_product_attention(Q, K, V, mask=mask)
    return out, weights
