# expect: full
# stderr: a torch UserWarning from torch.tensor(X) on a tensor, inside forward
# Stacked (3, d_model, d) parameter for Q and K and one for V, used with einsum. forward
# "makes sure" X is a tensor with torch.tensor(X), which on a tensor copies it and warns
# (To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach()).
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        bound = d_model ** -0.5
        self.W_qk = nn.Parameter(torch.empty(2, d_model, d_k).uniform_(-bound, bound))
        self.W_v = nn.Parameter(torch.empty(d_model, d_v).uniform_(-bound, bound))

    def forward(self, X):
        X = torch.tensor(X, dtype=self.W_v.dtype)
        Q, K = torch.einsum("...nd,hdk->h...nk", X, self.W_qk)
        return Q, K, torch.einsum("...nd,dv->...nv", X, self.W_v)
