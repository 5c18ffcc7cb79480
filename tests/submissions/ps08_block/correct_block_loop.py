# expect: full
# The two sublayers as a loop over (sublayer, LayerNorm) pairs.
# %% transformer_block
def transformer_block(X, params, mask=None):
    p = params

    def attend(Z):
        return multi_head_attention(Z, p["W_q"], p["W_k"], p["W_v"], p["W_o"], p["num_heads"], mask,
                                    b_q=p["b_q"], b_k=p["b_k"], b_v=p["b_v"], b_o=p["b_o"])[0]

    def ffn(Z):
        return feed_forward(Z, p["W1"], p["b1"], p["W2"], p["b2"])

    Y = X
    for sublayer, ln in ((attend, "ln1"), (ffn, "ln2")):
        Y = layer_norm(Y + sublayer(Y), p[ln + "_gamma"], p[ln + "_beta"], eps=p["eps"])
    return Y
