# expect: full
# Explicit loops over every batch element, query and key, with the math module.
# %% scaled_dot_product_attention
import math

def scaled_dot_product_attention(Q, K, V, mask=None):
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    n_q, d_k = Q.shape[-2:]
    n_k, d_v = V.shape[-2:]
    allowed = np.ones(batch + (n_q, n_k), dtype=bool) if mask is None else mask
    allowed = np.broadcast_to(allowed, batch + (n_q, n_k))
    Qs = np.broadcast_to(Q, batch + (n_q, d_k))
    Ks = np.broadcast_to(K, batch + (n_k, d_k))
    Vs = np.broadcast_to(V, batch + (n_k, d_v))
    output = np.zeros(batch + (n_q, d_v))
    weights = np.zeros(batch + (n_q, n_k))
    for b in np.ndindex(*batch):
        for i in range(n_q):
            keys = [j for j in range(n_k) if allowed[b][i, j]]
            if not keys:
                continue
            s = {j: sum(Qs[b][i, t] * Ks[b][j, t] for t in range(d_k)) / math.sqrt(d_k) for j in keys}
            top = max(s.values())
            total = sum(math.exp(v - top) for v in s.values())
            for j in keys:
                weights[b][i, j] = math.exp(s[j] - top) / total
                output[b][i] += weights[b][i, j] * Vs[b][j]
    return output, weights
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    Q = np.matmul(X, W_q)
    K = np.matmul(X, W_k)
    V = np.matmul(X, W_v)
    output, weights = scaled_dot_product_attention(Q, K, V, mask)
    return output, weights
