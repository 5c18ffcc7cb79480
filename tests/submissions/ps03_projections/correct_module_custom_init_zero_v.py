# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_k)
        self.W_k = nn.Linear(d_model, d_k)
        self.W_v = nn.Linear(d_model, d_v)
        nn.init.orthogonal_(self.W_q.weight)
        nn.init.xavier_uniform_(self.W_k.weight)
        nn.init.zeros_(self.W_v.weight)
        nn.init.zeros_(self.W_q.bias); nn.init.zeros_(self.W_k.bias); nn.init.zeros_(self.W_v.bias)
    def forward(self, X):
        return self.W_q(X), self.W_k(X), self.W_v(X)
