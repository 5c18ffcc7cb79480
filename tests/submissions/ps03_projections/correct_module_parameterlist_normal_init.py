# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.Ws = nn.ParameterList([nn.Parameter(torch.empty(d_model, d)) for d in (d_k, d_k, d_v)])
        for W in self.Ws:
            nn.init.normal_(W, std=0.02)
    def forward(self, X):
        Q, K, V = (torch.einsum("...nd,de->...ne", X, W) for W in self.Ws)
        return Q, K, V
