# expect: partial
# feedback: split at the wrong places
# feedback: Q and K take d_k=3 columns each and V takes d_v=5
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.qkv = nn.Linear(d_model, 2 * d_k + d_v, bias=False)
    def forward(self, X):
        return self.qkv(X).chunk(3, dim=-1)
