# expect: full
# %% QKVProjection
import torch.nn.functional as F
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.d_model = d_model
        for name, d in (("W_q", d_k), ("W_k", d_k), ("W_v", d_v)):
            self.register_parameter(name, nn.Parameter(torch.randn(d, d_model) * 0.1))
    def forward(self, X):
        flat = X.reshape(-1, self.d_model)
        outs = [F.linear(flat, W).reshape(*X.shape[:-1], W.shape[0]) for W in (self.W_q, self.W_k, self.W_v)]
        return tuple(outs)
