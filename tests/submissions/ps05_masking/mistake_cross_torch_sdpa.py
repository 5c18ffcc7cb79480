# expect: partial
# feedback: cross_attention calls torch.nn.functional.scaled_dot_product_attention
# %% cross_attention
import torch
from torch.nn import functional as tnf

def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = (torch.as_tensor(a) for a in (X_q @ W_q, X_kv @ W_k, X_kv @ W_v))
    m = None if mask is None else torch.as_tensor(mask)
    out = tnf.scaled_dot_product_attention(Q, K, V, attn_mask=m)
    scores = Q @ K.transpose(-1, -2) / Q.shape[-1] ** 0.5
    if m is not None:
        scores = scores.masked_fill(~m, float("-inf"))
    weights = torch.nan_to_num(scores.softmax(dim=-1))
    return out.numpy(), weights.numpy()
