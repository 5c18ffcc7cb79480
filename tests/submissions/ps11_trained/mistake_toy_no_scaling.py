# expect: partial
# feedback: The scores were not scaled: divide Q K^T by sqrt(d_model)
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    scores = Q @ K.transpose(-1, -2)
    scores = scores - scores.amax(dim=-1, keepdim=True)
    e = torch.exp(scores)
    weights = e / e.sum(dim=-1, keepdim=True)
    return W_o(weights @ V), weights
