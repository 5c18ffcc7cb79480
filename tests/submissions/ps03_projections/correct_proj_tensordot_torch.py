# expect: full
# %% project_qkv
import torch

def project_qkv(X, W_q, W_k, W_v):
    Q = np.tensordot(X, W_q, axes=([-1], [0]))
    K = torch.from_numpy(X) @ torch.from_numpy(W_k)   # a tensor is accepted too
    V = np.matmul(X, W_v)
    return Q, K, V
