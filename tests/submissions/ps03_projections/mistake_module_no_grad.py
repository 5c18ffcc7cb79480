# expect: partial
# feedback: torch.no_grad(), .detach() or .data
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_k, bias=False)
        self.W_k = nn.Linear(d_model, d_k, bias=False)
        self.W_v = nn.Linear(d_model, d_v, bias=False)
    @torch.no_grad()
    def forward(self, X):
        return self.W_q(X), self.W_k(X), self.W_v(X)
