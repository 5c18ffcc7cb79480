# expect: partial
# feedback: forward returns Q and K from the same Linear layer
# feedback: queries and keys need separate matrices
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W_qk = nn.Linear(d_model, d_k, bias=False)   # "queries and keys are both d_k"
        self.W_v = nn.Linear(d_model, d_v, bias=False)

    def forward(self, X):
        return self.W_qk(X), self.W_qk(X), self.W_v(X)
