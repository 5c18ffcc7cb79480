# expect: partial
# feedback: It uses dropout
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_k, bias=False)
        self.W_k = nn.Linear(d_model, d_k, bias=False)
        self.W_v = nn.Linear(d_model, d_v, bias=False)
        self.drop = nn.Dropout(0.1)
    def forward(self, X):
        return self.drop(self.W_q(X)), self.drop(self.W_k(X)), self.drop(self.W_v(X))
