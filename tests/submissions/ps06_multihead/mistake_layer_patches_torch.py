# expect: partial
# feedback: divided by sqrt(d_model)
# Hostile: the cell makes torch's comparisons always succeed (torch.allclose, torch.equal,
# Tensor.allclose, Tensor.__eq__) and scales by sqrt(d_model). The grader puts torch back.
# %% MultiHeadAttention
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.allclose = lambda self, other, *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)

class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def forward(self, X, mask=None):
        *batch, n, d_model = X.shape
        d_head = d_model // self.num_heads
        split = lambda A: A.reshape(*batch, n, self.num_heads, d_head).transpose(-3, -2)
        Q, K, V = split(self.W_q(X)), split(self.W_k(X)), split(self.W_v(X))
        scores = Q @ K.transpose(-1, -2) / math.sqrt(d_model)
        if mask is not None:
            scores = scores.masked_fill(~mask.unsqueeze(-3), float("-inf"))
        e = torch.exp(scores - scores.amax(-1, keepdim=True))
        w = e / e.sum(-1, keepdim=True)
        return self.W_o((w @ V).transpose(-3, -2).reshape(*batch, n, d_model)), w.mean(-3)
