# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    """One combined nn.Linear with bias (GPT-2's c_attn), split with torch.split; forward takes
    extra arguments it ignores and returns a list."""

    def __init__(self, d_model, d_k, d_v, dropout=0.0):
        super().__init__()
        self.sizes = [d_k, d_k, d_v]
        self.qkv = nn.Linear(d_model, 2 * d_k + d_v)

    def forward(self, X, mask=None, **kwargs):
        return list(torch.split(self.qkv(X), self.sizes, dim=-1))
