# expect: partial
# feedback: is not a linear function of X
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_k)
        self.W_k = nn.Linear(d_model, d_k)
        self.W_v = nn.Linear(d_model, d_v)

    def forward(self, X):
        return torch.relu(self.W_q(X)), torch.relu(self.W_k(X)), torch.relu(self.W_v(X))
