# expect: partial
# feedback: It equals X times the transpose of W_q
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    # as if the weights were stored like nn.Linear's, (d_out, d_model)
    return X @ W_q.T, X @ W_k.T, X @ W_v.T
