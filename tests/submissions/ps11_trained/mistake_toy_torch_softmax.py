# expect: partial
# feedback: retrieval_attention calls torch.softmax
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    weights = torch.softmax(Q @ K.transpose(-1, -2) / Q.shape[-1] ** 0.5, dim=-1)
    return W_o(weights @ V), weights
