# expect: full
# A running log-sum-exp instead of a running maximum, kept in float32; np.subtract.outer window.
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    entries = n_q * n_k
    return entries * itemsize
# %% local_window_mask
def local_window_mask(n, window):
    distance = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return distance <= window
# %% chunked_attention
def chunked_attention(Q, K, V, chunk_size, mask=None):
    Q, K, V = (np.asarray(a, dtype=np.float32) for a in (Q, K, V))
    n_k = K.shape[-2]
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-1] + (n_k,))
    lse = np.float32(-np.inf)     # log of the sum of exp(scores) seen so far
    out = np.float32(0.0)         # the softmax-weighted average of the values seen so far
    for start in range(0, n_k, chunk_size):
        c = slice(start, start + chunk_size)
        s = np.einsum("...qd,...kd->...qk", Q, K[..., c, :]) / np.float32(np.sqrt(Q.shape[-1]))
        if mask is not None:
            s = np.where(mask[..., c], s, -np.inf)
        top = s.max(axis=-1, keepdims=True)
        top_safe = np.where(np.isfinite(top), top, 0)
        e = np.exp(s - top_safe)
        chunk_sum = e.sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore"):
            chunk_lse = top_safe + np.log(chunk_sum)              # -inf if all blocked
        chunk_out = np.divide(e @ V[..., c, :], chunk_sum,
                              out=np.zeros(e.shape[:-1] + V.shape[-1:], np.float32),
                              where=chunk_sum > 0)
        new_lse = np.logaddexp(lse, chunk_lse)
        finite = np.isfinite(new_lse)
        old_w = np.where(finite, np.exp(lse - np.where(finite, new_lse, 0)), 0)
        new_w = np.where(finite, np.exp(chunk_lse - np.where(finite, new_lse, 0)), 0)
        out = old_w * out + new_w * chunk_out
        lse = new_lse
    return np.broadcast_to(out, np.broadcast_shapes(np.shape(out), Q.shape[:-1] + V.shape[-1:])).copy()
