# expect: partial
# feedback: the precision of float32
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    Xt = torch.tensor(X, dtype=torch.float32)
    return tuple((Xt @ torch.tensor(W, dtype=torch.float32)).numpy() for W in (W_q, W_k, W_v))
