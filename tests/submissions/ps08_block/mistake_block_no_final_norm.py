# expect: zero
# feedback: The last LayerNorm is missing
# %% transformer_block
def transformer_block(X, params, mask=None):
    p = params
    A, _ = multi_head_attention(X, p["W_q"], p["W_k"], p["W_v"], p["W_o"], p["num_heads"], mask,
                                b_q=p["b_q"], b_k=p["b_k"], b_v=p["b_v"], b_o=p["b_o"])
    H = layer_norm(X + A, p["ln1_gamma"], p["ln1_beta"], p["eps"])
    return H + feed_forward(H, p["W1"], p["b1"], p["W2"], p["b2"])
