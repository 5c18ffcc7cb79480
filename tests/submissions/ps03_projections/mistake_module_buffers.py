# expect: partial
# feedback: as buffer(s) (register_buffer)
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.register_buffer("W_q", torch.randn(d_model, d_k))
        self.register_buffer("W_k", torch.randn(d_model, d_k))
        self.register_buffer("W_v", torch.randn(d_model, d_v))
    def forward(self, X):
        return X @ self.W_q, X @ self.W_k, X @ self.W_v
