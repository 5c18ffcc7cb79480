# expect: zero
# feedback: attends only to itself
# %% decode_step
def decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads):
    d = x.shape[-1]
    dh = d // num_heads
    kv = K_cache.shape[-3]
    q = (x @ W_q).reshape(x.shape[:-1] + (num_heads, 1, dh))
    k = (x @ W_k).reshape(x.shape[:-1] + (kv, 1, dh))
    v = (x @ W_v).reshape(x.shape[:-1] + (kv, 1, dh))
    K, V = k, v
    Kr, Vr = np.repeat(K, num_heads // kv, axis=-3), np.repeat(V, num_heads // kv, axis=-3)
    s = q @ np.swapaxes(Kr, -1, -2) / np.sqrt(dh)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    out = (e / e.sum(axis=-1, keepdims=True)) @ Vr
    return out.reshape(x.shape[:-1] + (d,)) @ W_o, np.concatenate([K_cache, k], -2), np.concatenate([V_cache, v], -2)
