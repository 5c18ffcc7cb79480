# expect: partial
# feedback: scaled_dot_product_attention calls torch.nn.functional.scaled_dot_product_attention
# Right numbers, from the library function under another name.
# %% scaled_dot_product_attention
import torch
from torch.nn import functional as nnf

def scaled_dot_product_attention(Q, K, V, mask=None):
    q, k, v = (torch.as_tensor(a) for a in (Q, K, V))
    m = None if mask is None else torch.as_tensor(mask)
    return nnf.scaled_dot_product_attention(q, k, v, attn_mask=m).numpy(), None
