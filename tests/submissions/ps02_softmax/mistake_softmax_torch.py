# expect: partial
# feedback: softmax calls torch.softmax
# %% softmax
import torch
from torch.nn import functional as F

def softmax(x, axis=-1):
    return F.softmax(torch.from_numpy(np.asarray(x, dtype=float)), dim=axis).numpy()
