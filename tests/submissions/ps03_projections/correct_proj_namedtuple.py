# expect: full
# %% project_qkv
from collections import namedtuple
QKV = namedtuple("QKV", "Q K V")
def project_qkv(X, W_q, W_k, W_v):
    return QKV(X @ W_q, X @ W_k, X @ W_v)
