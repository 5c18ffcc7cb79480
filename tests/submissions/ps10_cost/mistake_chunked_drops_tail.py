# expect: partial
# feedback: The last, shorter chunk was left out
# %% chunked_attention
def chunked_attention(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
    m, l, acc = -np.inf, 0.0, 0.0
    for i in range(max(n_k // chunk_size, 1)):
        c = slice(i * chunk_size, (i + 1) * chunk_size)
        s = Q @ np.swapaxes(K[..., c, :], -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            s = np.where(mask[..., c], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isinf(m_new), 0.0, m_new)
        p, r = np.exp(s - shift), np.exp(m - shift)
        l = r * l + p.sum(axis=-1, keepdims=True)
        acc = r * acc + p @ V[..., c, :]
        m = m_new
    acc, l = np.broadcast_arrays(acc, l)
    return np.divide(acc, l, out=np.zeros(acc.shape), where=l > 0)
