# expect: partial
# feedback: they start out equal
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        torch.manual_seed(0)
        self.W_q = nn.Linear(d_model, d_k, bias=False)
        torch.manual_seed(0)
        self.W_k = nn.Linear(d_model, d_k, bias=False)
        torch.manual_seed(0)
        self.W_v = nn.Linear(d_model, d_v, bias=False)

    def forward(self, X):
        return self.W_q(X), self.W_k(X), self.W_v(X)
