# expect: full
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    # the nn.Linear layers' parameters used directly: x @ weight.T + bias
    def linear(layer, A):
        return A @ layer.weight.T + layer.bias
    Q, K, V = linear(W_q, X), linear(W_k, X), linear(W_v, X)
    scores = (Q.unsqueeze(-2) * K.unsqueeze(-3)).sum(-1) / torch.tensor(float(X.shape[-1])).sqrt()
    e = torch.exp(scores - scores.max(-1, keepdim=True).values)
    weights = e / e.sum(-1, keepdim=True)
    return linear(W_o, weights @ V), weights

# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    batch, n, d_model = hidden.shape
    d_head = d_model // num_heads
    Q, K, V = (hidden @ weights["W_" + k].T + weights["b_" + k] for k in "qkv")
    probs = np.zeros((batch, num_heads, n, n))
    joined = np.zeros((batch, n, d_model))
    for b in range(batch):
        real = np.flatnonzero(attention_mask[b])
        for h in range(num_heads):
            cols = slice(h * d_head, (h + 1) * d_head)
            s = Q[b, :, cols] @ K[b][real][:, cols].T / np.sqrt(d_head)   # (n, n_real)
            e = np.exp(s - s.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            probs[b, h][:, real] = p
            joined[b, :, cols] = p @ V[b][real][:, cols]
    return joined @ weights["W_o"].T + weights["b_o"], probs
