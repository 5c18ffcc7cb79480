# expect: full
# stderr: torch.tensor(tensor) copy-construct UserWarning in retrieval_attention; numpy's "divide by zero encountered in log" RuntimeWarning in minilm_self_attention (padded batches)
# Correct, but noisy: torch.tensor() around a tensor (a constant, so no gradient is lost), and
# the mask added to the scores as log(attention_mask), which is 0 for tokens and -inf for padding.
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    d = torch.tensor(X.shape[-1], dtype=X.dtype)
    scale = torch.tensor(d.rsqrt())        # UserWarning: copy construct from a tensor
    scores = (Q @ K.mT) * scale
    scores = scores - scores.max(dim=-1, keepdim=True).values
    e = scores.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    return W_o(weights @ V), weights

# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    batch, n, d_model = hidden.shape
    d_head = d_model // num_heads
    Q, K, V = (np.stack(np.split(hidden @ weights["W_" + k].T + weights["b_" + k], num_heads,
                                 axis=-1), axis=1) for k in "qkv")   # (batch, heads, n, d_head)
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_head)
    scores = scores + np.log(attention_mask.astype(float))[:, None, None, :]   # log 0 = -inf
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    joined = np.concatenate(list(np.moveaxis(probs @ V, 1, 0)), axis=-1)   # heads side by side
    return joined @ weights["W_o"].T + weights["b_o"], probs
