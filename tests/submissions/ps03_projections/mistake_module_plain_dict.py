# expect: partial
# feedback: plain Python dict, self.W
# feedback: nn.ModuleDict or nn.ParameterDict
# %% QKVProjection
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.W = {"q": nn.Parameter(torch.randn(d_model, d_k)), "k": nn.Parameter(torch.randn(d_model, d_k)),
                  "v": nn.Parameter(torch.randn(d_model, d_v))}
    def forward(self, X):
        return X @ self.W["q"], X @ self.W["k"], X @ self.W["v"]
