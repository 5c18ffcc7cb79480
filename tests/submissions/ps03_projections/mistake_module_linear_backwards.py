# expect: partial
# feedback: nn.Linear(3, 6) has its in/out sizes the wrong way round
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        # W_q is (d_k, d_model) in nn.Linear's weight, so ... the other way round?
        self.W_q = nn.Linear(d_k, d_model, bias=False)
        self.W_k = nn.Linear(d_k, d_model, bias=False)
        self.W_v = nn.Linear(d_v, d_model, bias=False)

    def forward(self, X):
        return self.W_q(X), self.W_k(X), self.W_v(X)
