# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    """Q and K weights in one (2, d_model, d_k) parameter, V separately."""
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_qk = nn.Parameter(torch.randn(2, d_model, d_k) / d_model ** 0.5)
        self.W_v = nn.Linear(d_model, d_v, bias=False)
    def forward(self, X):
        qk = X.unsqueeze(-3) @ self.W_qk          # (..., 2, n, d_k)
        return qk[..., 0, :, :], qk[..., 1, :, :], self.W_v(X)
