# expect: full
# -1e30 fill and a boolean "has any" row mask
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ K.swapaxes(-1, -2) / Q.shape[-1] ** 0.5
    if mask is not None:
        mask = np.broadcast_to(mask, scores.shape)
        scores = np.where(mask, scores, -1e30)
        has_any = mask.any(axis=-1, keepdims=True)
    else:
        has_any = np.ones(scores.shape[:-1] + (1,), bool)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    w = np.where(has_any, w, 0.0)
    return w @ V, w
