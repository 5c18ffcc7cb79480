# expect: full
# torch tensors in float32, converted back to numpy
# %% scaled_dot_product_attention
import torch
def scaled_dot_product_attention(Q, K, V, mask=None):
    q, k, v = (torch.tensor(a, dtype=torch.float32) for a in (Q, K, V))
    s = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        s = s.masked_fill(~torch.as_tensor(mask), float("-inf"))
    m = s.amax(-1, keepdim=True).nan_to_num(0.0, neginf=0.0)
    e = torch.exp(s - m)
    w = e / e.sum(-1, keepdim=True)
    w = torch.nan_to_num(w, nan=0.0)
    return (w @ v).numpy(), w.numpy()
