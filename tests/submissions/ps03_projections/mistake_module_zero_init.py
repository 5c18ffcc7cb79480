# expect: partial
# feedback: W_q and W_k both start out all zeros
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Parameter(torch.zeros(d_model, d_k))
        self.W_k = nn.Parameter(torch.zeros(d_model, d_k))
        self.W_v = nn.Parameter(torch.zeros(d_model, d_v))

    def forward(self, X):
        return X @ self.W_q, X @ self.W_k, X @ self.W_v
