# expect: full
# Torch tensors and torch.exp (no library softmax); returns tensors.
# %% scaled_dot_product_attention
import torch

def scaled_dot_product_attention(Q, K, V, mask=None):
    q, k, v = (torch.as_tensor(a) for a in (Q, K, V))
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is None:
        mask = np.ones(tuple(scores.shape), dtype=bool)
    allowed = torch.as_tensor(np.asarray(mask)).expand(scores.shape)
    scores = scores.masked_fill(~allowed, float("-inf"))
    top = scores.amax(dim=-1, keepdim=True).clamp(min=-1e300)
    exps = torch.exp(scores - top) * allowed
    total = exps.sum(dim=-1, keepdim=True)
    weights = exps / torch.where(total > 0, total, torch.ones_like(total))
    return weights @ v, weights
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    x = torch.as_tensor(X)
    Q, K, V = (x @ torch.as_tensor(W) for W in (W_q, W_k, W_v))
    return scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy(), mask)
