# expect: partial
# feedback: or the same columns of a combined layer
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.d_k = d_k
        self.qkv = nn.Linear(d_model, 2 * d_k + d_v, bias=False)
    def forward(self, X):
        out = self.qkv(X)
        return out[..., :self.d_k], out[..., :self.d_k], out[..., 2 * self.d_k:]
