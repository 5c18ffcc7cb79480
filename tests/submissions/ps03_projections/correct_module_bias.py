# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    """nn.Linear with its default bias, and a ModuleList."""

    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.maps = nn.ModuleList(nn.Linear(d_model, d) for d in (d_k, d_k, d_v))

    def forward(self, X):
        return tuple(m(X) for m in self.maps)
