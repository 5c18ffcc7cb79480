# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    return tuple(np.tensordot(X, W, axes=([-1], [0])) for W in (W_q, W_k, W_v))
