# expect: partial
# feedback: It works for a single sentence X of shape (n, d_model) but not
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    out = []
    for W in (W_q, W_k, W_v):
        P = np.zeros((X.shape[0], W.shape[1]))
        for i in range(X.shape[0]):
            P[i] = X[i] @ W
        out.append(P)
    return tuple(out)
