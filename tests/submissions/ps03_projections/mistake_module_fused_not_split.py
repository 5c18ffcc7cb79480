# expect: partial
# feedback: Q, K and V side by side
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.qkv = nn.Linear(d_model, 2 * d_k + d_v, bias=False)

    def forward(self, X):
        return self.qkv(X)
