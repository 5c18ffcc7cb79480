# expect: full
# %% causal_mask
def causal_mask(n):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1):
            mask[i, j] = True
    return mask
# %% padding_mask
def padding_mask(lengths, max_len):
    rows = []
    for length in lengths:
        rows.append([position < length for position in range(max_len)])
    return np.array(rows, dtype=bool).reshape(len(rows), max_len)
# %% cross_attention
import math

def _attend_one(q, keys, values, allowed):
    """One query (d_k,), keys (n_kv, d_k), values (n_kv, d_v), allowed (n_kv,) bools."""
    scores = [sum(a * b for a, b in zip(q, k)) / math.sqrt(len(q)) for k in keys]
    kept = [s for s, ok in zip(scores, allowed) if ok]
    weights = np.zeros(len(keys))
    if kept:
        top = max(kept)
        exps = [math.exp(s - top) if ok else 0.0 for s, ok in zip(scores, allowed)]
        total = sum(exps)
        weights = np.array([e / total for e in exps])
    return weights @ values, weights

def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = X_q @ W_q, X_kv @ W_k, X_kv @ W_v
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2])
    n_q, n_kv = Q.shape[-2], K.shape[-2]
    full = np.ones(batch + (n_q, n_kv), dtype=bool)
    if mask is not None:
        full = np.broadcast_to(mask, full.shape)
    out = np.zeros(batch + (n_q, V.shape[-1]))
    weights = np.zeros(batch + (n_q, n_kv))
    for idx in np.ndindex(*batch):
        for i in range(n_q):
            out[idx + (i,)], weights[idx + (i,)] = _attend_one(Q[idx][i], K[idx], V[idx], full[idx][i])
    return out, weights
