# expect: full
# float32 throughout (PyTorch's default dtype), -1e9 for blocked scores, and the rows of queries
# with nothing to attend to zeroed by multiplying with the mask after the softmax.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    Q, K, V = (np.asarray(a, dtype=np.float32) for a in (Q, K, V))
    scores = np.matmul(Q, np.swapaxes(K, -2, -1)) / np.float32(np.sqrt(Q.shape[-1]))
    if mask is not None:
        scores = np.where(mask, scores, np.float32(-1e9))
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = w * mask        # also turns the uniform rows of fully masked queries into zeros
    return np.matmul(w, V), w
