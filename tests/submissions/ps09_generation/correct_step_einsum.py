# expect: full
# einsum for the projections and the attention, the cache grown with np.append.
# %% decode_step
def decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads):
    x = np.asarray(x, dtype=float)
    d_model = x.shape[-1]
    d_head = d_model // num_heads
    h_kv = K_cache.shape[-3]
    g = num_heads // h_kv
    q = np.einsum("...i,ij->...j", x, W_q).reshape(x.shape[:-1] + (h_kv, g, d_head))
    k = np.einsum("...i,ij->...j", x, W_k).reshape(x.shape[:-1] + (h_kv, 1, d_head))
    v = np.einsum("...i,ij->...j", x, W_v).reshape(x.shape[:-1] + (h_kv, 1, d_head))
    K = np.append(K_cache, k, axis=-2)
    V = np.append(V_cache, v, axis=-2)
    s = np.einsum("...kgd,...ktd->...kgt", q, K) / np.sqrt(d_head)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    out = np.einsum("...kgt,...ktd->...kgd", w, V).reshape(x.shape[:-1] + (d_model,))
    return out @ W_o, K, V
