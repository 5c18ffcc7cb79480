# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    print("X", X.shape)
    f = lambda W: np.swapaxes(W.T @ np.swapaxes(X, -1, -2), -1, -2)
    Q, K, V = map(f, (W_q, W_k, W_v))
    return Q, K, V
