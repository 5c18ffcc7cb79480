# expect: partial
# feedback: the values were computed with W_k
# The keys are reused as the values (V = W_k(X)): the weights are right, the output is not.
# %% retrieval_attention
def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q = W_q(X)
    K = W_k(X)
    scores = Q @ K.transpose(-1, -2) / X.shape[-1] ** 0.5
    scores = scores - scores.amax(dim=-1, keepdim=True)
    weights = torch.exp(scores) / torch.exp(scores).sum(dim=-1, keepdim=True)
    return W_o(weights @ K), weights
