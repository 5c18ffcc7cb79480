# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.q = nn.LazyLinear(d_k, bias=False)
        self.k = nn.LazyLinear(d_k, bias=False)
        self.v = nn.LazyLinear(d_v, bias=False)
    def forward(self, X):
        return self.q(X), self.k(X), self.v(X)
