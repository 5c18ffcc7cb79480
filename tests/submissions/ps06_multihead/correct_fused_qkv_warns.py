# expect: full
# stderr: torch.tensor(mask) on a mask that is already a tensor: torch's UserWarning "To copy construct from a tensor, ..."
# merge_heads as an einsum that only reorders the axes; the layer runs the three input
# projections as one fused matmul (F.linear with W_q, W_k, W_v stacked) and cuts Q, K, V apart,
# and wraps the mask in torch.tensor(...) to be safe, which warns when it already is a tensor.
# %% merge_heads
def merge_heads(X):
    merged = np.einsum("...hnd->...nhd", X)
    return merged.reshape(merged.shape[:-2] + (-1,))
# %% MultiHeadAttention
import torch.nn.functional as F

class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def forward(self, X, mask=None):
        h = self.num_heads
        weight = torch.cat([self.W_q.weight, self.W_k.weight, self.W_v.weight])     # (3 d, d)
        bias = torch.cat([self.W_q.bias, self.W_k.bias, self.W_v.bias])
        qkv = F.linear(X, weight, bias)                                             # (..., n, 3 d)
        qkv = qkv.unflatten(-1, (3, h, -1)).movedim(-3, 0).transpose(-3, -2)       # (3, ..., h, n, d_head)
        Q, K, V = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(Q, K.transpose(-1, -2)) * Q.shape[-1] ** -0.5
        if mask is not None:
            mask = torch.tensor(mask, dtype=torch.bool)
            scores = torch.where(mask.unsqueeze(-3), scores, float("-inf"))
        exps = torch.exp(scores - torch.amax(scores, dim=-1, keepdim=True))
        weights = exps / torch.sum(exps, dim=-1, keepdim=True)
        heads = (weights @ V).transpose(-3, -2).flatten(-2)
        return self.W_o(heads), weights.mean(dim=-3)
