# expect: full
# Explicit loops over the slices along `axis`, with math.exp on one number at a time.
# %% softmax
import math

def softmax(x, axis=-1):
    x = np.asarray(x, dtype=float)
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape)
    for r, row in enumerate(rows):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        for i, e in enumerate(exps):
            out[r, i] = e / total
    return np.moveaxis(out.reshape(moved.shape), -1, axis)
# %% logsumexp
def logsumexp(x, axis=-1):
    x = np.asarray(x, dtype=float)
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(len(rows))
    for r, row in enumerate(rows):
        top = max(row)
        out[r] = top + math.log(sum(math.exp(v - top) for v in row))
    return out.reshape(moved.shape[:-1])
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores, dtype=float)
    allowed = np.broadcast_to(mask, scores.shape)
    moved = np.moveaxis(scores, axis, -1)
    s_rows = moved.reshape(-1, moved.shape[-1])
    m_rows = np.moveaxis(allowed, axis, -1).reshape(-1, moved.shape[-1])
    out = np.zeros(s_rows.shape)
    for r in range(len(s_rows)):
        keep = [i for i in range(s_rows.shape[1]) if m_rows[r, i]]
        if not keep:
            continue  # nothing to attend to: the row stays all zeros
        top = max(s_rows[r, i] for i in keep)
        exps = {i: math.exp(s_rows[r, i] - top) for i in keep}
        total = sum(exps.values())
        for i, e in exps.items():
            out[r, i] = e / total
    return np.moveaxis(out.reshape(moved.shape), -1, axis)
