# expect: partial
# feedback: classic online-softmax bug
# %% chunked_attention
def chunked_attention(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
    m, l, acc = -np.inf, 0.0, 0.0
    for start in range(0, n_k, chunk_size):
        c = slice(start, start + chunk_size)
        s = Q @ np.swapaxes(K[..., c, :], -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            s = np.where(mask[..., c], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        p = np.exp(s - m_new)
        r = np.exp(m - m_new)
        l = r * l + p.sum(axis=-1, keepdims=True)
        acc = r * acc + p @ V[..., c, :]
        m = m_new
    return acc / l
