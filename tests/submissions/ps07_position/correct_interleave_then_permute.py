# expect: full
# Interleaved rotation on features reordered so that pair (t, t + d/2) sits at (2t, 2t + 1), then
# the order put back; sinusoids column by column; attention one batch element at a time; the
# error row by row.
# %% sinusoidal_positions
import math

def sinusoidal_positions(n, d, base=10000.0):
    P = np.zeros((n, d))
    for p in range(n):
        for j in range(d):
            angle = p / math.pow(base, 2 * (j // 2) / d)
            P[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return P
# %% apply_rope
def apply_rope(X, positions, base=10000.0):
    X = np.array(X, dtype=float)
    n, d = X.shape[-2:]
    if d % 2 != 0:
        raise ValueError(f"odd feature size {d}")
    order = np.stack([np.arange(d // 2), np.arange(d // 2) + d // 2], axis=1).reshape(-1)
    Y = X[..., order]                                   # pairs now neighbours
    a = np.reshape(positions, (n, 1)) * base ** (-np.arange(0, d, 2) / d)
    even, odd = Y[..., 0::2].copy(), Y[..., 1::2].copy()
    Y[..., 0::2] = even * np.cos(a) - odd * np.sin(a)
    Y[..., 1::2] = even * np.sin(a) + odd * np.cos(a)
    out = np.empty_like(Y)
    out[..., order] = Y
    return out
# %% rope_attention
def rope_attention(Q, K, V, positions_q, positions_k, mask=None):
    q, k = apply_rope(Q, positions_q), apply_rope(K, positions_k)
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], np.shape(V)[:-2])
    n_q, n_k = q.shape[-2], k.shape[-2]
    allowed = np.broadcast_to(True if mask is None else mask, batch + (n_q, n_k))
    q, k = np.broadcast_to(q, batch + q.shape[-2:]), np.broadcast_to(k, batch + k.shape[-2:])
    V = np.broadcast_to(V, batch + np.shape(V)[-2:])
    w = np.zeros(batch + (n_q, n_k))
    out = np.zeros(batch + (n_q, V.shape[-1]))
    for b in np.ndindex(*batch):
        for i in range(n_q):
            ok = allowed[b][i]
            if not ok.any():
                continue
            s = k[b][ok] @ q[b][i] / np.sqrt(q.shape[-1])
            e = np.exp(s - s.max())
            w[b][i, ok] = e / e.sum()
            out[b][i] = w[b][i] @ V[b]
    return out, w
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    worst = 0.0
    for i, j in enumerate(perm):
        worst = max(worst, float(np.max(np.abs(Y_perm[i] - Y[j]))))
    return worst
