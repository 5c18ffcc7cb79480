# expect: full
# softmax with torch tensor operations (not torch.softmax), returning a numpy array; masked
# scores set to -inf and the NaN of fully masked slices (0/0) turned into zeros afterwards.
# %% softmax
import torch

def softmax(x, axis=-1):
    t = torch.as_tensor(np.asarray(x, dtype=float))
    e = torch.exp(t - t.amax(dim=axis, keepdim=True))
    return (e / e.sum(dim=axis, keepdim=True)).numpy()
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    z = np.where(mask, scores, -np.inf)
    weights = softmax(z, axis=axis)          # a fully masked slice gives NaN (0/0) here ...
    return np.nan_to_num(weights, nan=0.0)   # ... and has nothing to attend to: zeros
