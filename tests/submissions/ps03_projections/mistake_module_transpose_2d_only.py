# expect: partial
# feedback: forward worked for a single sentence
# feedback: X.T or X.t()
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Parameter(torch.randn(d_k, d_model))
        self.W_k = nn.Parameter(torch.randn(d_k, d_model))
        self.W_v = nn.Parameter(torch.randn(d_v, d_model))
    def forward(self, X):
        return (self.W_q @ X.T).T, (self.W_k @ X.T).T, (self.W_v @ X.T).T
