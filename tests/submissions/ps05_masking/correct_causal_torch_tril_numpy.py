# expect: full
# torch.tril converted back to a numpy bool array.
# %% causal_mask
import torch
def causal_mask(n):
    return torch.tril(torch.ones(n, n)).bool().numpy()
