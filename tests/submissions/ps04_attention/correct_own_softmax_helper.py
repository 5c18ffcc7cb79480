# expect: full
# A helper of the student's own called softmax (allowed: only the library and course versions
# are not); self_attention written out without calling scaled_dot_product_attention, and with
# the ps03 projections from the course package (an earlier exercise's building block).
# %% scaled_dot_product_attention
def softmax(scores, allowed):
    """Stable softmax over the last axis, restricted to the allowed positions."""
    scores = np.where(allowed, scores, -1e300)
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True)) * allowed
    total = exps.sum(axis=-1, keepdims=True)
    return exps / np.maximum(total, 1e-300)


def scaled_dot_product_attention(Q, K, V, mask=None):
    d_k = K.shape[-1]
    scores = np.matmul(Q, np.moveaxis(K, -1, -2)) / d_k ** 0.5
    allowed = np.ones_like(scores, dtype=bool) if mask is None else np.broadcast_to(mask, scores.shape)
    weights = softmax(scores, allowed)
    return np.matmul(weights, V), weights
# %% self_attention
from qkv_course.projections import project_qkv

def self_attention(X, W_q, W_k, W_v, mask=None):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(W_k.shape[1])
    allowed = np.ones(scores.shape, dtype=bool) if mask is None else np.broadcast_to(mask, scores.shape)
    weights = softmax(scores, allowed)
    return weights @ V, weights
