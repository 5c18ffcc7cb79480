# expect: partial
# feedback: multiply it by the matrix from the right
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Parameter(torch.randn(d_model, d_k))
        self.W_k = nn.Parameter(torch.randn(d_model, d_k))
        self.W_v = nn.Parameter(torch.randn(d_model, d_v))
    def forward(self, X):
        return self.W_q.T @ X, self.W_k.T @ X, self.W_v.T @ X
