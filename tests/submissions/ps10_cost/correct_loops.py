# expect: full
# Explicit loops: over the batch elements, then over the chunks, vectorised over the queries only.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    total = 0
    for d in (d_k, d_v):                 # two products, each n_q * n_k dot products of length d
        total += n_q * n_k * d * 2
    return total
# %% local_window_mask
def local_window_mask(n, window):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(max(0, i - window), min(n, i + window + 1)):
            mask[i, j] = True
    return mask
# %% chunked_attention
def chunked_attention(Q, K, V, chunk_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    if mask is not None:
        mask = np.broadcast_to(mask, batch + (n_q, n_k))          # a view, no copy
    out = np.zeros(batch + (n_q, V.shape[-1]))
    for b in np.ndindex(*batch):
        q = np.broadcast_to(Q, batch + Q.shape[-2:])[b]
        k = np.broadcast_to(K, batch + K.shape[-2:])[b]
        v = np.broadcast_to(V, batch + V.shape[-2:])[b]
        best = np.full(n_q, -np.inf)
        total = np.zeros(n_q)
        acc = np.zeros((n_q, v.shape[-1]))
        for start in range(0, n_k, chunk_size):
            stop = min(start + chunk_size, n_k)
            s = q @ k[start:stop].T / np.sqrt(q.shape[-1])
            if mask is not None:
                s[~mask[b][:, start:stop]] = -np.inf
            new_best = np.maximum(best, s.max(axis=1))
            seen = np.isfinite(new_best)
            p = np.zeros_like(s)
            p[seen] = np.exp(s[seen] - new_best[seen, None])
            factor = np.zeros(n_q)
            factor[seen] = np.exp(best[seen] - new_best[seen])
            total = factor * total + p.sum(axis=1)
            acc = factor[:, None] * acc + p @ v[start:stop]
            best = new_best
        nonzero = total > 0
        out[b][nonzero] = acc[nonzero] / total[nonzero, None]
    return out
