# expect: partial
# feedback: look for what stops gradients
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    # computed in numpy, then turned back into tensors: right numbers, but no gradients
    Q, K, V = (W(X).detach().numpy() for W in (W_q, W_k, W_v))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = torch.tensor(e / e.sum(axis=-1, keepdims=True), dtype=torch.float32)
    return W_o(weights @ torch.tensor(V, dtype=torch.float32)), weights
