# expect: partial
# feedback: That is one head's size
# Gives the projections one head's size, nn.Linear(d_model, d_model // num_heads), and so
# attends once, with a single head.
# %% MultiHeadAttention
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        d_head = d_model // num_heads
        self.W_q = nn.Linear(d_model, d_head)
        self.W_k = nn.Linear(d_model, d_head)
        self.W_v = nn.Linear(d_model, d_head)
        self.W_o = nn.Linear(d_head, d_model)

    def forward(self, X, mask=None):
        Q, K, V = self.W_q(X), self.W_k(X), self.W_v(X)
        scores = Q @ K.transpose(-1, -2) / math.sqrt(Q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        e = torch.exp(scores - scores.amax(-1, keepdim=True))
        w = e / e.sum(-1, keepdim=True)
        return self.W_o(w @ V), w
