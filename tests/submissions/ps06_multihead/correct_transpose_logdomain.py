# expect: full
# np.transpose with a computed permutation, a softmax in the log domain (log-sum-exp), and a
# layer with view / permute and float64 arithmetic inside forward.
# %% split_heads
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    d_head, rest = divmod(d_model, num_heads)
    if rest:
        raise ValueError(f"num_heads={num_heads} does not divide d_model={d_model}")
    lead = X.ndim - 2
    pieces = X.reshape(X.shape[:-1] + (num_heads, d_head))          # (..., n, h, d)
    return np.transpose(pieces, tuple(range(lead)) + (lead + 1, lead, lead + 2))
# %% merge_heads
def merge_heads(X):
    num_heads, n, d_head = X.shape[-3:]
    return np.moveaxis(X, -3, -2).reshape(X.shape[:-3] + (n, num_heads * d_head))
# %% multi_head_attention
def masked_softmax_rows(scores, allowed):
    s = np.where(allowed, scores, -np.inf)
    any_allowed = allowed.any(axis=-1, keepdims=True)
    top = np.where(any_allowed, s.max(axis=-1, keepdims=True), 0.0)
    lse = top + np.log(np.where(allowed, np.exp(s - top), 0.0).sum(axis=-1, keepdims=True)
                       + ~any_allowed)
    return np.where(allowed, np.exp(s - lse), 0.0)

def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = split_heads(X @ W_q, num_heads), split_heads(X @ W_k, num_heads), split_heads(X @ W_v, num_heads)
    d_head = Q.shape[-1]
    scores = np.matmul(Q, np.swapaxes(K, -2, -1)) / d_head ** 0.5
    n = X.shape[-2]
    m = np.ones((n, n), dtype=bool) if mask is None else np.asarray(mask)
    m = np.broadcast_to(m, X.shape[:-2] + (n, n))
    allowed = np.broadcast_to(m[..., np.newaxis, :, :], scores.shape)
    weights = masked_softmax_rows(scores, allowed)
    return merge_heads(np.matmul(weights, V)) @ W_o, weights
# %% MultiHeadAttention
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        for name in ("W_q", "W_k", "W_v", "W_o"):
            setattr(self, name, nn.Linear(d_model, d_model))

    def forward(self, X, mask=None):
        *lead, n, d_model = X.shape
        h = self.num_heads
        d = d_model // h

        def heads(layer):
            return layer(X).view(*lead, n, h, d).permute(*range(len(lead)), -2, -3, -1)

        Q, K, V = heads(self.W_q).double(), heads(self.W_k).double(), heads(self.W_v).double()
        scores = Q @ K.transpose(-2, -1) / math.sqrt(d)
        if mask is not None:
            scores = scores.masked_fill(~mask.reshape(*mask.shape[:-2], 1, *mask.shape[-2:]), float("-inf"))
        weights = torch.exp(scores - scores.amax(-1, keepdim=True))
        weights = weights / weights.sum(-1, keepdim=True)
        merged = (weights @ V).permute(*range(len(lead)), -2, -3, -1).reshape(*lead, n, d_model)
        return self.W_o(merged.float()), weights.mean(-3).float()
