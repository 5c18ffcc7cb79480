# expect: full
# %% retrieval_attention
import math


def retrieval_attention(X, W_q, W_k, W_v, W_o):
    Q, K, V = W_q(X), W_k(X), W_v(X)
    scores = torch.einsum("...id,...jd->...ij", Q, K) / math.sqrt(X.shape[-1])
    # log-sum-exp written out: weights = exp(s - max - log(sum(exp(s - max))))
    top = scores.max(dim=-1, keepdim=True).values
    shifted = scores - top
    weights = torch.exp(shifted - torch.log(torch.exp(shifted).sum(-1, keepdim=True)))
    return W_o(torch.einsum("...ij,...jd->...id", weights, V)), weights

# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    b, n, d = hidden.shape
    dh = d // num_heads
    heads = {k: (np.einsum("bnd,ed->bne", hidden, weights["W_" + k]) + weights["b_" + k]
                 ).reshape(b, n, num_heads, dh) for k in "qkv"}
    scores = np.einsum("bihd,bjhd->bhij", heads["q"], heads["k"]) / np.sqrt(dh)
    # BERT's own way: add the most negative float to the padded keys' scores
    scores = scores + (1 - attention_mask[:, None, None, :]) * np.finfo(np.float64).min
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    context = np.einsum("bhij,bjhd->bihd", probs, heads["v"]).reshape(b, n, d)
    return np.einsum("bnd,ed->bne", context, weights["W_o"]) + weights["b_o"], probs
