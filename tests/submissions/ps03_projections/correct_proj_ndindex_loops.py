# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v, **kwargs):
    outs = []
    for W in (W_q, W_k, W_v):
        out = np.zeros(X.shape[:-1] + (W.shape[1],))
        for idx in np.ndindex(*X.shape[:-1]):
            for j in range(W.shape[1]):
                out[idx + (j,)] = sum(X[idx][i] * W[i, j] for i in range(W.shape[0]))
        outs.append(out)
    return tuple(outs)
