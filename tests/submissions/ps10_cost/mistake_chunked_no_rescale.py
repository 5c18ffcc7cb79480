# expect: partial
# feedback: The running sums were not rescaled when the running maximum changed
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
        m = np.maximum(m, s.max(axis=-1, keepdims=True))
        p = np.exp(s - np.where(np.isinf(m), 0.0, m))
        l = l + p.sum(axis=-1, keepdims=True)
        acc = acc + p @ V[..., c, :]
    acc, l = np.broadcast_arrays(acc, l)
    return np.divide(acc, l, out=np.zeros(acc.shape), where=l > 0)
