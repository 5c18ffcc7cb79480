# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v, bias=False, dropout=0.0):
        super().__init__()
        self.proj = nn.ModuleDict({"q": nn.Linear(d_model, d_k, bias=bias),
                                   "k": nn.Linear(d_model, d_k, bias=bias),
                                   "v": nn.Linear(d_model, d_v, bias=bias)})
    def forward(self, X, mask=None, *args, **kwargs):
        return [self.proj[name](X) for name in "qkv"]
