# expect: partial
# feedback: multi_head_attention calls torch.nn.functional.scaled_dot_product_attention
# %% multi_head_attention
import torch.nn.functional as F

def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (torch.from_numpy(split_heads(X @ W, num_heads)) for W in (W_q, W_k, W_v))
    out = F.scaled_dot_product_attention(Q, K, V)
    scores = Q @ K.transpose(-1, -2) / math.sqrt(Q.shape[-1])
    e = torch.exp(scores - scores.amax(-1, keepdim=True))
    weights = (e / e.sum(-1, keepdim=True)).numpy()
    return merge_heads(out.numpy()) @ W_o, weights
