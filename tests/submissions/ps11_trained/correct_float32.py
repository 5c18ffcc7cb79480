# expect: full
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    scores = torch.matmul(Q, torch.transpose(K, -2, -1)) * X.shape[-1] ** -0.5
    e = (scores - scores.detach().amax(-1, keepdim=True)).exp()
    weights = e / e.sum(-1, keepdim=True)
    return W_o(torch.matmul(weights, V)), weights

# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    # all in float32, like the model itself
    x = hidden.astype(np.float32)
    w = {k: v.astype(np.float32) for k, v in weights.items()}
    batch, n, d_model = x.shape
    d_head = d_model // num_heads
    def heads(k):
        A = x @ w["W_" + k].T + w["b_" + k]
        return np.moveaxis(A.reshape(batch, n, num_heads, d_head), 2, 1)
    Q, K, V = heads("q"), heads("k"), heads("v")
    scores = (Q * np.float32(1 / np.sqrt(d_head))) @ np.swapaxes(K, -1, -2)
    scores[np.broadcast_to(attention_mask[:, None, None, :] == 0, scores.shape)] = -np.inf
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    joined = np.moveaxis(probs @ V, 1, 2).reshape(batch, n, d_model)
    return joined @ w["W_o"].T + w["b_o"], probs
