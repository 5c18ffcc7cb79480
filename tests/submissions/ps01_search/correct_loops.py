# expect: full
# %% dot_scores
def dot_scores(query, keys):
    query = np.asarray(query, dtype=float)
    flat = query.reshape(-1, query.shape[-1])
    out = np.zeros((flat.shape[0], len(keys)))
    for b, q in enumerate(flat):
        for i, k in enumerate(keys):
            total = 0.0
            for j in range(len(q)):
                total += q[j] * k[j]
            out[b, i] = total
    return out.reshape(query.shape[:-1] + (len(keys),))
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    flat = scores.reshape(-1, scores.shape[-1])
    rows = []
    for s in flat:
        best = 0
        for i in range(1, len(s)):
            if s[i] > s[best]:
                best = i
        rows.append(values[best])
    return np.array(rows).reshape(scores.shape[:-1] + (values.shape[-1],))
# %% soft_lookup
import math

def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    flat = scores.reshape(-1, scores.shape[-1])
    rows = []
    for s in flat:
        top = max(s)
        e = [math.exp(x - top) for x in s]
        total = sum(e)
        rows.append(sum((ei / total) * v for ei, v in zip(e, values)))
    return np.array(rows).reshape(scores.shape[:-1] + (values.shape[-1],))
