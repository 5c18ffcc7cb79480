# expect: partial
# feedback: calling forward twice on the same X gave two different Q
# feedback: Create the layers or parameters once, in __init__
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.dims = (d_model, d_k, d_v)
    def forward(self, X):
        d_model, d_k, d_v = self.dims
        return nn.Linear(d_model, d_k)(X), nn.Linear(d_model, d_k)(X), nn.Linear(d_model, d_v)(X)
