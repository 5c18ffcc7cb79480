# expect: full
# np.split / np.concatenate for the heads (np.split itself raises ValueError for an uneven
# split), einsum with the projection matrices viewed per head, torch.einsum in the layer.
# %% split_heads
def split_heads(X, num_heads):
    return np.stack(np.split(X, num_heads, axis=-1), axis=-3)
# %% merge_heads
def merge_heads(X):
    return np.concatenate([X[..., h, :, :] for h in range(X.shape[-3])], axis=-1)
# %% multi_head_attention
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    d_model = X.shape[-1]
    d_head = d_model // num_heads
    per_head = lambda W: W.reshape(d_model, num_heads, d_head)     # columns of head h
    Q = np.einsum("...nd,dhe->...hne", X, per_head(W_q))
    K = np.einsum("...nd,dhe->...hne", X, per_head(W_k))
    V = np.einsum("...nd,dhe->...hne", X, per_head(W_v))
    scores = np.einsum("...hqe,...hke->...hqk", Q, K) / np.sqrt(d_head)
    if mask is not None:
        mask = np.expand_dims(np.broadcast_to(mask, X.shape[:-1] + X.shape[-2:-1]), -3)
        scores = np.where(mask, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    exps = np.exp(scores - top)
    total = exps.sum(axis=-1, keepdims=True)
    weights = np.divide(exps, total, out=np.zeros_like(exps), where=total > 0)
    heads = np.einsum("...hqk,...hke->...hqe", weights, V)
    output = np.einsum("...hqe,hef->...qf", heads, W_o.reshape(num_heads, d_head, d_model))
    return output, weights
# %% MultiHeadAttention
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("d_model must be a multiple of num_heads")
        self.h, self.d = num_heads, d_model // num_heads
        self.W_q, self.W_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.W_v, self.W_o = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def forward(self, X, mask=None):
        Q, K, V = (W(X).unflatten(-1, (self.h, self.d)) for W in (self.W_q, self.W_k, self.W_v))
        scores = torch.einsum("...qhe,...khe->...hqk", Q, K) / self.d ** 0.5
        if mask is not None:
            scores = torch.where(mask[..., None, :, :], scores, torch.tensor(float("-inf")))
        exps = (scores - scores.max(dim=-1, keepdim=True).values).exp()
        weights = exps / exps.sum(dim=-1, keepdim=True)
        heads = torch.einsum("...hqk,...khe->...qhe", weights, V).flatten(-2)
        return self.W_o(heads), weights.sum(dim=-3) / self.h
