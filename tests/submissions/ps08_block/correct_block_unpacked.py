# expect: full
# Unpacks the parameters first and writes the two sublayers as small inner functions.
# %% transformer_block
def transformer_block(X, params, mask=None):
    W_q, W_k, W_v, W_o = (params[k] for k in ("W_q", "W_k", "W_v", "W_o"))
    biases = {k: params[k] for k in ("b_q", "b_k", "b_v", "b_o")}
    eps = params["eps"]

    def attention_sublayer(Z):
        out, _ = multi_head_attention(Z, W_q, W_k, W_v, W_o, params["num_heads"], mask, **biases)
        return layer_norm(Z + out, params["ln1_gamma"], params["ln1_beta"], eps)

    def ffn_sublayer(Z):
        out = feed_forward(Z, params["W1"], params["b1"], params["W2"], params["b2"])
        return layer_norm(Z + out, params["ln2_gamma"], params["ln2_beta"], eps)

    return ffn_sublayer(attention_sublayer(np.asarray(X, dtype=float)))
