# expect: partial
# feedback: without the scaling: divide the scores by sqrt(d_k)
# Hostile: the cell makes the course's own reference functions (which the checks compute the
# expected answers with) return its own unscaled attention. The grader puts them back.
# %% scaled_dot_product_attention
import qkv_course.attention
import qkv_course.softmax

def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ V, w

qkv_course.attention.scaled_dot_product_attention = scaled_dot_product_attention
qkv_course.attention.self_attention = lambda X, W_q, W_k, W_v, mask=None: scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, mask)
