# expect: full
# %% cross_attention
import torch

def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    # torch tensors for the arithmetic, a hand-written softmax, numpy arrays out
    t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float64)
    Q, K, V = t(X_q) @ t(W_q), t(X_kv) @ t(W_k), t(X_kv) @ t(W_v)
    scores = Q @ K.transpose(-1, -2) / Q.shape[-1] ** 0.5
    allowed = torch.ones_like(scores, dtype=torch.bool)
    if mask is not None:
        allowed = torch.as_tensor(np.asarray(mask)).expand_as(scores)
    scores = scores.masked_fill(~allowed, float("-inf"))
    top = scores.amax(dim=-1, keepdim=True).nan_to_num(neginf=0.0)
    exps = torch.exp(scores - top)
    total = exps.sum(dim=-1, keepdim=True)
    weights = torch.where(total > 0, exps / total.clamp_min(1e-300), torch.zeros_like(exps))
    return (weights @ V).numpy(), weights.numpy()
