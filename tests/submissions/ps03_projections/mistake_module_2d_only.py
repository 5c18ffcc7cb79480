# expect: partial
# feedback: Q has shape (10, 3), but the expected shape is (2, 5, 3)
# feedback: The batch axes were merged with the token axis
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Parameter(torch.randn(d_model, d_k))
        self.W_k = nn.Parameter(torch.randn(d_model, d_k))
        self.W_v = nn.Parameter(torch.randn(d_model, d_v))

    def forward(self, X):
        X = X.reshape(-1, X.shape[-1])
        return X @ self.W_q, X @ self.W_k, X @ self.W_v
