# expect: partial
# feedback: scaled_dot_product_attention calls qkv_course.softmax.masked_softmax
# %% scaled_dot_product_attention
from qkv_course.softmax import masked_softmax as soft

def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    allowed = np.ones(scores.shape, dtype=bool) if mask is None else mask
    w = soft(scores, allowed)
    return w @ V, w
