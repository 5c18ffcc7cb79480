# expect: partial
# feedback: The batch axes were merged with the token axis
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    flat = X.reshape(-1, X.shape[-1])   # all tokens of all sentences as rows
    return flat @ W_q, flat @ W_k, flat @ W_v
