# expect: partial
# feedback: Tokens and heads are mixed up
# Splits with .view(*batch, num_heads, n, d_head) straight away, without the transpose.
# %% MultiHeadAttention
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
        split = lambda A: A.reshape(*batch, self.num_heads, n, d_head)
        Q, K, V = split(self.W_q(X)), split(self.W_k(X)), split(self.W_v(X))
        scores = Q @ K.transpose(-1, -2) / math.sqrt(d_head)
        if mask is not None:
            scores = scores.masked_fill(~mask.unsqueeze(-3), float("-inf"))
        e = torch.exp(scores - scores.amax(-1, keepdim=True))
        w = e / e.sum(-1, keepdim=True)
        return self.W_o((w @ V).reshape(*batch, n, d_model)), w.mean(-3)
