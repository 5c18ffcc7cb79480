# expect: full
# %% QKVProjection
import math


class QKVProjection(nn.Module):
    """Matrices stored the chapter's way round, (d_model, d_out), used as X @ W."""

    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        scale = 1 / math.sqrt(d_model)
        self.W_q = nn.Parameter(scale * torch.randn(d_model, d_k))
        self.W_k = nn.Parameter(scale * torch.randn(d_model, d_k))
        self.W_v = nn.Parameter(scale * torch.randn(d_model, d_v))

    def forward(self, X):
        return X @ self.W_q, X @ self.W_k, X @ self.W_v
