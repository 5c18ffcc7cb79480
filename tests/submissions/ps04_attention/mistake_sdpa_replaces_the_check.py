# expect: partial
# feedback: without the scaling: divide the scores by sqrt(d_k)
# Hostile: the cell replaces the check that the test cells call by one that always passes.
# The grading modules are read-only, so the assignment raises AttributeError in this cell and
# the real check grades the (unscaled) function.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ V, w

import qkv_course.checks.attention as grader
import qkv_course.checks.diagnoses.pair as shared
try:
    grader.check_scaled_dot_product_attention = lambda *a, **k: None
except AttributeError:
    pass
try:
    shared.grade_pair = lambda *a, **k: None
except AttributeError:
    pass
