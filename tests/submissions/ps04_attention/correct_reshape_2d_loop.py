# expect: full
# reshape the batch to one axis, np.dot per item, reshape back; boolean indexing per row
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    *batch, n_q, d_k = Q.shape
    n_k, d_v = V.shape[-2:]
    m = np.ones(tuple(batch) + (n_q, n_k), bool) if mask is None else np.broadcast_to(mask, tuple(batch) + (n_q, n_k))
    Qf = Q.reshape(-1, n_q, d_k); Kf = K.reshape(-1, n_k, d_k); Vf = V.reshape(-1, n_k, d_v)
    mf = m.reshape(-1, n_q, n_k)
    W = np.zeros((Qf.shape[0], n_q, n_k))
    for b in range(Qf.shape[0]):
        s = np.dot(Qf[b], Kf[b].T) / np.sqrt(d_k)
        for i in range(n_q):
            row = s[i][mf[b, i]]
            if row.size:
                e = np.exp(row - row.max())
                W[b, i][mf[b, i]] = e / e.sum()
    out = np.stack([np.dot(W[b], Vf[b]) for b in range(W.shape[0])])
    return out.reshape(tuple(batch) + (n_q, d_v)), W.reshape(tuple(batch) + (n_q, n_k))
