# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        Wq, Wk, Wv = init_projections(d_model, d_k, d_v, seed=torch.randint(0, 1000, ()).item())
        self.W_q = nn.Parameter(torch.tensor(Wq, dtype=torch.float32))
        self.W_k = nn.Parameter(torch.tensor(Wk, dtype=torch.float32))
        self.W_v = nn.Parameter(torch.from_numpy(Wv).float())
    def forward(self, X):
        return torch.matmul(X, self.W_q), torch.matmul(X, self.W_k), torch.matmul(X, self.W_v)
