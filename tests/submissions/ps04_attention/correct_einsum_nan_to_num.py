# expect: full
# einsum everywhere; -inf for blocked keys, then the NaN rows of queries with no allowed key are
# set to zero afterwards (the RuntimeWarning this raises is reported but costs nothing).
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(K.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    weights = np.nan_to_num(exps / exps.sum(axis=-1, keepdims=True), nan=0.0)
    return np.einsum("...qk,...kv->...qv", weights, V), weights
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    Q = np.einsum("...nd,dk->...nk", X, W_q)
    K = np.einsum("...nd,dk->...nk", X, W_k)
    V = np.einsum("...nd,dv->...nv", X, W_v)
    return scaled_dot_product_attention(Q, K, V, mask)
