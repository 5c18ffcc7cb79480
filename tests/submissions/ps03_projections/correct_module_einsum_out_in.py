# expect: full
# %% QKVProjection
class QKVProjection(nn.Module):
    """Weights stored like nn.Linear's, (d_out, d_model), applied with einsum."""

    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(d, d_model)) for d in (d_k, d_k, d_v))
        for w in self.weights:
            nn.init.xavier_uniform_(w)

    def forward(self, X):
        return tuple(torch.einsum("...nd,od->...no", X, w) for w in self.weights)
