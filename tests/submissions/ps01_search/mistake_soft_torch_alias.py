# expect: partial
# feedback: soft_lookup calls torch.softmax
# %% soft_lookup
import torch
from torch import softmax as smooth_max

def soft_lookup(query, keys, values, temperature=1.0):
    scores = torch.from_numpy(np.asarray(dot_scores(query, keys) / temperature))
    return smooth_max(scores, dim=-1).numpy() @ values
