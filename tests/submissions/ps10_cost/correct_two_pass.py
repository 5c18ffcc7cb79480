# expect: full
# Two passes over the chunks (first the maxima, then the sums): more work, same memory bound.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    scores = n_q * n_k * d_k           # multiply-adds of Q K^T
    output = n_q * d_v * n_k           # multiply-adds of weights @ V
    return 2 * (scores + output)
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return int(np.prod([n_q, n_k, itemsize], dtype=np.int64))
# %% local_window_mask
def local_window_mask(n, window):
    upper = np.tri(n, n, window, dtype=bool)          # j <= i + window
    lower = np.tri(n, n, -window - 1, dtype=bool)     # j <= i - window - 1
    return upper & ~lower
# %% chunked_attention
def chunked_attention(Q, K, V, chunk_size, mask=None):
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
    starts = range(0, n_k, chunk_size)

    def scores(start):
        c = slice(start, start + chunk_size)
        s = np.einsum("...qd,...kd->...qk", Q, K[..., c, :]) / np.sqrt(Q.shape[-1])
        return s if mask is None else np.where(mask[..., c], s, -np.inf)

    top = None
    for start in starts:
        m = scores(start).max(axis=-1, keepdims=True)
        top = m if top is None else np.maximum(top, m)
    top = np.where(np.isfinite(top), top, 0.0)
    total, out = 0.0, 0.0
    for start in starts:
        e = np.exp(scores(start) - top)
        total = total + e.sum(axis=-1, keepdims=True)
        out = out + e @ V[..., start:start + chunk_size, :]
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, out / safe, 0.0)
