# expect: full
# stderr: numpy RuntimeWarnings (invalid value) on rows with nothing to attend to, cleaned up afterwards
# One query head at a time, reading its key/value head by index; lets 0/0 happen and cleans up.
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    h, h_kv = Q.shape[-3], K.shape[-3]
    if h_kv != V.shape[-3]:
        raise ValueError("K and V must have as many heads")
    if h_kv == 0 or h % h_kv:
        raise ValueError("num_kv_heads must divide num_heads")
    outs, ws = [], []
    for i in range(h):
        j = i // (h // h_kv)
        s = Q[..., i, :, :] @ np.swapaxes(K[..., j, :, :], -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            m = np.broadcast_to(mask, Q.shape[:-3] + (h,) + s.shape[-2:])[..., i, :, :]
            s = np.where(m, s, -np.inf)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = np.nan_to_num(e / e.sum(axis=-1, keepdims=True), nan=0.0)
        ws.append(w)
        outs.append(w @ V[..., j, :, :])
    return np.stack(outs, axis=-3), np.stack(ws, axis=-3)
