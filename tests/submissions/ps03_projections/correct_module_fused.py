# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    """One combined matrix (as GPT-2 stores it), split into Q, K and V."""

    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.sizes = [d_k, d_k, d_v]
        self.qkv = nn.Linear(d_model, 2 * d_k + d_v, bias=False)

    def forward(self, X):
        Q, K, V = torch.split(self.qkv(X), self.sizes, dim=-1)
        return Q, K, V
