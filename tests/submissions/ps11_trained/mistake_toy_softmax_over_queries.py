# expect: partial
# feedback: The softmax ran over the queries (axis -2)
# The max and the sum are taken along dim=-2, so each column (key) sums to 1 instead of each
# query's row.
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    scores = Q @ K.transpose(-1, -2) / Q.shape[-1] ** 0.5
    e = torch.exp(scores - scores.amax(dim=-2, keepdim=True))
    weights = e / e.sum(dim=-2, keepdim=True)
    return W_o(weights @ V), weights
