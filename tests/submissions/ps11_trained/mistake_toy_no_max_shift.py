# expect: partial
# feedback: in float32 torch.exp overflows above about 88
# The textbook softmax, exp(s) / sum(exp(s)), without subtracting each row's largest score:
# right on small inputs, inf / inf = NaN once the scores pass about 88.
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    e = torch.exp(Q @ K.transpose(-1, -2) / X.shape[-1] ** 0.5)
    weights = e / e.sum(dim=-1, keepdim=True)
    return W_o(weights @ V), weights
