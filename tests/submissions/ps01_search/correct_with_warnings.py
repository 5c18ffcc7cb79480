# expect: full
# stderr: a UserWarning from warnings.warn
# A correct answer that writes a UserWarning to stderr every time it runs (graders must not
# mistake stderr output for a failure).
# %% dot_scores
import warnings

def dot_scores(query, keys):
    warnings.warn("dot_scores: this is only a warning", UserWarning)
    return np.matmul(query, np.swapaxes(keys, 0, 1))
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    shifted = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    weights /= weights.sum(axis=-1, keepdims=True)
    return (weights[..., :, None] * values).sum(axis=-2)
