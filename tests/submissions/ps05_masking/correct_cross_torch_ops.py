# expect: full
# torch tensors with masked_fill, converted back to numpy.
# %% cross_attention
import torch
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    t = torch.as_tensor
    Q, K, V = t(X_q) @ t(W_q), t(X_kv) @ t(W_k), t(X_kv) @ t(W_v)
    s = Q @ K.transpose(-2, -1) / Q.shape[-1] ** 0.5
    if mask is not None:
        s = s.masked_fill(~t(mask), float("-inf"))
    m = s.max(dim=-1, keepdim=True).values
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    e = (s - m).exp()
    w = e / e.sum(-1, keepdim=True).clamp_min(1e-300)
    return (w @ V).numpy(), w.numpy()
