# expect: partial
# feedback: masked_softmax calls torch.softmax
# %% masked_softmax
import torch

def masked_softmax(scores, mask, axis=-1):
    s = torch.as_tensor(np.asarray(scores, dtype=float))
    m = torch.as_tensor(np.broadcast_to(mask, s.shape).copy())
    w = torch.softmax(s.masked_fill(~m, float("-inf")), dim=axis)
    return torch.nan_to_num(w, nan=0.0).numpy()
