# expect: zero
# feedback: This is a pre-norm block
# %% transformer_block
def transformer_block(X, params, mask=None):
    p = params
    Z = layer_norm(X, p["ln1_gamma"], p["ln1_beta"], p["eps"])
    A, _ = multi_head_attention(Z, p["W_q"], p["W_k"], p["W_v"], p["W_o"], p["num_heads"], mask,
                                b_q=p["b_q"], b_k=p["b_k"], b_v=p["b_v"], b_o=p["b_o"])
    H = X + A
    return H + feed_forward(layer_norm(H, p["ln2_gamma"], p["ln2_beta"], p["eps"]), p["W1"], p["b1"], p["W2"], p["b2"])
