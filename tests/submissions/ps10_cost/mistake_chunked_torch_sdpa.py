# expect: partial
# feedback: chunked_attention calls torch.nn.functional.scaled_dot_product_attention
# %% chunked_attention
import torch
import torch.nn.functional as F

def chunked_attention(Q, K, V, chunk_size, mask=None):
    q, k, v = (torch.as_tensor(a) for a in (Q, K, V))
    m = None if mask is None else torch.as_tensor(np.asarray(mask))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    return torch.nan_to_num(out).numpy()
