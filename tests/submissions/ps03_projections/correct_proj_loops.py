# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    X = np.asarray(X, dtype=float)
    tokens = X.reshape(-1, X.shape[-1])        # every token of every sentence
    results = []
    for W in (W_q, W_k, W_v):
        out = np.zeros((len(tokens), W.shape[1]))
        for t, x in enumerate(tokens):
            for j in range(W.shape[1]):
                out[t, j] = sum(x[f] * W[f, j] for f in range(len(x)))
        results.append(out.reshape(X.shape[:-1] + (W.shape[1],)))
    return results[0], results[1], results[2]
