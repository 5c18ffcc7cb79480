# expect: full
# Explicit loops over the heads everywhere; fully masked rows handled with nan_to_num.
# %% split_heads
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    if d_model % num_heads != 0:
        raise ValueError(f"cannot split {d_model} features into {num_heads} equal heads")
    d_head = d_model // num_heads
    out = np.empty(X.shape[:-2] + (num_heads, X.shape[-2], d_head), dtype=X.dtype)
    for h in range(num_heads):
        out[..., h, :, :] = X[..., :, h * d_head:(h + 1) * d_head]
    return out
# %% merge_heads
def merge_heads(X):
    num_heads, n, d_head = X.shape[-3:]
    out = np.empty(X.shape[:-3] + (n, num_heads * d_head), dtype=X.dtype)
    for h in range(num_heads):
        out[..., :, h * d_head:(h + 1) * d_head] = X[..., h, :, :]
    return out
# %% multi_head_attention
def attend(Q, K, V, allowed):
    """One head: Q, K (..., n, d), V (..., n, d), allowed (..., n, n)."""
    scores = np.where(allowed, Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]), -np.inf)
    with np.errstate(invalid="ignore"):
        exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = np.nan_to_num(exps / exps.sum(axis=-1, keepdims=True))
    return weights @ V, weights

def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    d_head = d_model // num_heads
    allowed = np.broadcast_to(True if mask is None else mask, X.shape[:-2] + (n, n))
    outputs, weights = [], []
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        out, w = attend(X @ W_q[:, cols], X @ W_k[:, cols], X @ W_v[:, cols], allowed)
        outputs.append(out)
        weights.append(w)
    return np.concatenate(outputs, axis=-1) @ W_o, np.stack(weights, axis=-3)
# %% MultiHeadAttention
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def forward(self, X, mask=None):
        d_head = X.shape[-1] // self.num_heads
        Q, K, V = self.W_q(X), self.W_k(X), self.W_v(X)
        heads, total = [], 0
        for h in range(self.num_heads):
            cols = slice(h * d_head, (h + 1) * d_head)
            scores = Q[..., cols] @ K[..., cols].transpose(-1, -2) / d_head ** 0.5
            if mask is not None:
                scores = scores.masked_fill(mask == False, -float("inf"))
            exps = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
            w = exps / exps.sum(dim=-1, keepdim=True)
            heads.append(w @ V[..., cols])
            total = total + w
        return self.W_o(torch.cat(heads, dim=-1)), total / self.num_heads
