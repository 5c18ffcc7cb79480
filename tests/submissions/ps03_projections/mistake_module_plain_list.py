# expect: partial
# feedback: It keeps layers or parameters in a plain Python list, self.maps
# feedback: Use nn.ModuleList or nn.ParameterList instead
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.maps = [nn.Linear(d_model, d, bias=False) for d in (d_k, d_k, d_v)]

    def forward(self, X):
        return tuple(m(X) for m in self.maps)
