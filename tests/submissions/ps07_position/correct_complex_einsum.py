# expect: full
# Complex numbers: a pair (x1, x2) is the number x1 + i x2, and a rotation by a is a product with
# e^{ia}; the sinusoids are the imaginary and real parts of e^{i p theta}. Attention with einsum;
# equivariance measured by undoing the shuffle of Y_perm (its inverse permutation, argsort).
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    theta = base ** (-2.0 * np.arange((d + 1) // 2) / d)
    z = np.exp(1j * np.outer(np.arange(n), theta))          # (n, ceil(d/2))
    out = np.empty((n, 2 * z.shape[1]))
    out[:, 0::2], out[:, 1::2] = z.imag, z.real
    return out[:, :d]
# %% apply_rope
def apply_rope(X, positions, base=10000.0):
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[-1]
    if d % 2 == 1:
        raise ValueError("apply_rope needs an even number of features")
    h = d // 2
    z = X[..., :h] + 1j * X[..., h:]
    turn = np.exp(1j * np.multiply.outer(np.asarray(positions, dtype=float), base ** (-np.arange(h) * 2.0 / d)))
    z = z * turn
    return np.concatenate([z.real, z.imag], axis=-1)
# %% rope_attention
def rope_attention(Q, K, V, positions_q, positions_k, mask=None):
    q, k = apply_rope(Q, positions_q), apply_rope(K, positions_k)
    s = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    allowed = np.ones(s.shape, dtype=bool) if mask is None else np.broadcast_to(mask, s.shape)
    s = np.where(allowed, s, -np.inf)
    m = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isneginf(m), 0.0, m))
    w = e / np.maximum(e.sum(axis=-1, keepdims=True), np.finfo(float).tiny)
    return np.einsum("...qk,...kv->...qv", w, V), w
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    inverse = np.argsort(perm)
    return float(np.max(np.abs(Y_perm[inverse] - Y)))
