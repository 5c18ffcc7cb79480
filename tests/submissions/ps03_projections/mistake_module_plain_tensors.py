# expect: partial
# feedback: as plain tensor(s), which nn.Module does not register as parameters
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = torch.randn(d_model, d_k) / d_model ** 0.5
        self.W_k = torch.randn(d_model, d_k) / d_model ** 0.5
        self.W_v = torch.randn(d_model, d_v) / d_model ** 0.5

    def forward(self, X):
        return X @ self.W_q, X @ self.W_k, X @ self.W_v
