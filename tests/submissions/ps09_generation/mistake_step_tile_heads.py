# expect: zero
# feedback: np.tile
# %% decode_step
def decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads):
    d = x.shape[-1]
    dh = d // num_heads
    kv = K_cache.shape[-3]
    q = (x @ W_q).reshape(x.shape[:-1] + (num_heads, 1, dh))
    k = (x @ W_k).reshape(x.shape[:-1] + (kv, 1, dh))
    v = (x @ W_v).reshape(x.shape[:-1] + (kv, 1, dh))
    K = np.concatenate([K_cache, k], axis=-2)
    V = np.concatenate([V_cache, v], axis=-2)
    Kr = np.concatenate([K] * (num_heads // kv), axis=-3)
    Vr = np.concatenate([V] * (num_heads // kv), axis=-3)
    s = q @ np.swapaxes(Kr, -1, -2) / np.sqrt(dh)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    out = (e / e.sum(axis=-1, keepdims=True)) @ Vr
    return out.reshape(x.shape[:-1] + (d,)) @ W_o, K, V
