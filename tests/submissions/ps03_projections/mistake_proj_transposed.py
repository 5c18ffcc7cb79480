# expect: partial
# feedback: Its last two axes are swapped
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    # "W^T X", as in a textbook that stores tokens as columns
    return W_q.T @ X.T, W_k.T @ X.T, W_v.T @ X.T
