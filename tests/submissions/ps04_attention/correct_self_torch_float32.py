# expect: full
# self_attention in torch float32 with its own attention code
# %% self_attention
import torch
def self_attention(X, W_q, W_k, W_v, mask=None):
    x = torch.from_numpy(X).float()
    q, k, v = x @ torch.from_numpy(W_q).float(), x @ torch.from_numpy(W_k).float(), x @ torch.from_numpy(W_v).float()
    s = q @ k.transpose(-1, -2) / k.shape[-1] ** 0.5
    if mask is not None:
        s = s.masked_fill(~torch.from_numpy(np.asarray(mask)), float("-inf"))
    w = torch.exp(s - s.amax(-1, keepdim=True).clamp(min=-1e30))
    w = w / w.sum(-1, keepdim=True).clamp(min=1e-30)
    return (w @ v).numpy(), w.numpy()
