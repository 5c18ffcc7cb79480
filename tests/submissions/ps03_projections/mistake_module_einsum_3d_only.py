# expect: partial
# feedback: start the einsum subscripts with '...'
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Parameter(torch.randn(d_model, d_k) / d_model ** 0.5)
        self.W_k = nn.Parameter(torch.randn(d_model, d_k) / d_model ** 0.5)
        self.W_v = nn.Parameter(torch.randn(d_model, d_v) / d_model ** 0.5)

    def forward(self, X):
        return tuple(torch.einsum("bnd,de->bne", X, W) for W in (self.W_q, self.W_k, self.W_v))
