# expect: partial
# feedback: but the heads were joined wrongly
# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    batch, n, d_model = hidden.shape
    d_head = d_model // num_heads
    def split(A):
        return A.reshape(batch, n, num_heads, d_head).transpose(0, 2, 1, 3)
    Q, K, V = (split(hidden @ weights["W_" + k].T + weights["b_" + k]) for k in "qkv")
    scores = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(d_head)
    scores = np.where(attention_mask[:, None, None, :] == 1, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    joined = (probs @ V).reshape(batch, n, d_model)   # heads axis never moved back
    return joined @ weights["W_o"].T + weights["b_o"], probs
