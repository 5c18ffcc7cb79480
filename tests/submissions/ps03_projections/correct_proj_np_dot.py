# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    # np.dot with a 2-d second argument sums over X's last axis, batch axes included
    return np.dot(X, W_q), np.dot(X, W_k), np.dot(X, W_v)
