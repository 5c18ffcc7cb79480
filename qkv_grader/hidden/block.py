"""Hidden cases of ps08, "The transformer block" (instructor side only): the inputs that
:mod:`qkv_course.checks.block`'s checks use with ``hidden=True``. One block case is a real MiniLM
layer: its weights, and the hidden states MiniLM feeds that layer for two sentences of different
lengths (so one is padded, and the mask matters)."""

from __future__ import annotations

import functools

import numpy as np

from qkv_course.checks.block import BlockCase, FFNCase, NormCase, ffn_case, random_params


def norm_cases() -> list[NormCase]:
    """layer_norm's inputs: one token, two batch axes, a constant token (variance 0), large
    values, d = 1, another eps, gamma and beta of different sizes."""
    rng = np.random.default_rng(181)
    X = rng.normal(size=(4, 6))
    X[2] = 3.0                                              # a token whose features are all equal
    return [
        NormCase(rng.normal(size=(1, 7)), rng.normal(size=7), rng.normal(size=7)),
        NormCase(X, 1 + rng.normal(size=6), rng.normal(size=6)),
        NormCase(rng.normal(size=(2, 3, 4, 5)), rng.normal(size=5), rng.normal(size=5), eps=1e-2),
        NormCase(1e4 + 50 * rng.normal(size=(3, 8)), np.full(8, 2.0), np.arange(8.0)),
        NormCase(rng.normal(size=(5, 1)), np.array([1.5]), np.array([-0.5])),
        NormCase(rng.integers(-4, 5, size=(3, 6)), rng.normal(size=6), rng.normal(size=6), eps=0.5),
    ]


def ffn_cases() -> list[FFNCase]:
    """feed_forward's inputs: one token, batch axes, d_ff < d_model, large inputs (GELU near ReLU),
    small inputs (where the approximations differ most)."""
    return [ffn_case((1, 5), 20, seed=182), ffn_case((2, 3, 6), 24, seed=183), ffn_case((4, 8), 3, seed=184),
            ffn_case((3, 4), 16, seed=185, scale=5.0), ffn_case((5, 6), 24, seed=186, scale=0.3)]


@functools.lru_cache(maxsize=1)
def minilm_case(layer: int = 2) -> BlockCase:
    """MiniLM's layer ``layer`` as a BlockCase: its weights, and its input for two sentences."""
    from qkv_course import block, pretrained

    tokenizer, model = pretrained.load_minilm()
    _, hidden, _, attention_mask = pretrained.hidden_states_and_attentions(
        tokenizer, model, ["Keys are compared with the query.", "Values come back."])
    a = pretrained.layer_attention_weights(model, layer)
    f = block.layer_feed_forward_weights(model, layer)
    params = {"W_q": a.W_q, "b_q": a.b_q, "W_k": a.W_k, "b_k": a.b_k, "W_v": a.W_v, "b_v": a.b_v,
              "W_o": a.W_o, "b_o": a.b_o, "ln1_gamma": a.ln_gamma, "ln1_beta": a.ln_beta,
              "W1": f.W_1, "b1": f.b_1, "W2": f.W_2, "b2": f.b_2, "ln2_gamma": f.ln_gamma,
              "ln2_beta": f.ln_beta, "num_heads": int(model.config.num_attention_heads), "eps": float(a.ln_eps)}
    mask = np.asarray(attention_mask).astype(bool)[:, None, :]           # (2, 1, n): keys only
    return BlockCase(np.asarray(hidden[layer]), params, mask, atol=1e-7,
                     extra={"model_output": np.asarray(hidden[layer + 1]), "real": np.asarray(attention_mask) > 0})


def block_cases() -> list[BlockCase]:
    """transformer_block's inputs: no batch axis, one token, a causal mask over heads, more heads,
    and MiniLM's real layer 2 with a padding mask."""
    rng = np.random.default_rng(187)
    causal = np.tril(np.ones((5, 5), dtype=bool))
    return [
        BlockCase(rng.normal(size=(5, 6)), random_params(6, 3, 12, seed=188)),
        BlockCase(rng.normal(size=(1, 4)), random_params(4, 1, 8, seed=189)),
        BlockCase(rng.normal(size=(2, 5, 8)), random_params(8, 4, 16, seed=190, eps=1e-3), mask=causal),
        minilm_case(),
    ]


def _keys() -> dict:
    """The keys of ps08's questions (qkv_course.checks.block.QUESTIONS), computed with the course's
    LayerNorm and parameter counts from the numbers the questions give."""
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.multihead import parameter_count
    from qkv_course.pretrained import layer_norm

    # Question 1: LayerNorm of one token of a (2, 6, 4) batch.
    X = np.zeros((2, 6, 4))
    x = np.array([1.0, 2.0, 3.0, 6.0])
    gamma, beta, eps = np.array([1.5, 2.0, 0.5, 1.0]), np.array([0.0, 0.0, 1.0, -1.0]), 1e-5
    means = X.mean(axis=-1).size
    variance = ((x - x.mean()) ** 2).mean()
    unbiased = x.var(ddof=1)
    z = (x - x.mean()) / np.sqrt(variance + eps)
    token = Key(
        {"means": means, "variance": variance, "output": layer_norm(x, gamma, beta, eps)},
        (Mistake({"means": X.mean(axis=(0, 1)).size},
                 "that is one mean per feature, taken across the 12 tokens: batch normalisation's axis. "
                 "LayerNorm normalises each token on its own, across its 4 features: one mean per token."),
         Mistake({"means": X.mean(axis=-2).size},
                 "that is one mean per feature in each sentence, taken across its tokens, which would make "
                 "a token's output depend on the other tokens. LayerNorm averages each token's own "
                 "features: one mean per token."),
         Mistake({"means": X.mean(axis=(-2, -1)).size},
                 "that is one mean per sentence. LayerNorm normalises each token on its own: one mean "
                 "per token, over its d = 4 features."),
         Mistake({"means": X.size},
                 "that is the number of numbers in X. Each mean is over one token's 4 features, so there "
                 "is one per token."),
         Mistake({"variance": unbiased},
                 "that is the unbiased variance (the squared deviations divided by d - 1 = 3). LayerNorm "
                 "uses the biased one: divide by d = 4."),
         Mistake({"variance": np.sqrt(variance)},
                 "that is the standard deviation. The variance is the mean of the squared deviations "
                 "from the mean, before any square root."),
         Mistake({"output": z},
                 "that is the normalised token before gamma and beta: multiply each feature by its gamma "
                 "and then add its beta."),
         Mistake({"output": (x - x.mean()) / np.sqrt(unbiased + eps) * gamma + beta},
                 "that output is normalised with the unbiased standard deviation (dividing by d - 1); "
                 "LayerNorm divides the squared deviations by d."),
         Mistake({"output": (x - x.mean()) / (variance + eps) * gamma + beta},
                 "that divides the deviations by the variance. LayerNorm divides them by the standard "
                 "deviation, the square root of (variance + eps), so that the result has variance 1."),
         Mistake({"output": (z + beta) * gamma},
                 "that shifts before it scales, gamma * (z + beta). LayerNorm scales first and then "
                 "shifts: gamma * z + beta.")),
        hint="One mean and one variance per token, over its 4 features (divide by 4); then "
             "(x - mean) / sqrt(variance + eps), times gamma, plus beta.")

    # Question 2: the parameters of a block with d_model = 768, 12 heads, d_ff = 3072.
    d, heads, d_ff = 768, 12, 3072
    shapes = {"W1": (d, d_ff), "b1": (d_ff,), "W2": (d_ff, d), "b2": (d,)}
    weights = {name: np.zeros(shape) for name, shape in shapes.items()}
    ffn = sum(w.size for w in weights.values())
    attention = parameter_count(d, heads, bias=True)
    norms = 2 * (d + d)                                   # two LayerNorms, gamma and beta each
    block = attention + ffn + norms
    params = Key(
        {"ffn": ffn, "block": block},
        (Mistake({"ffn": weights["W1"].size + weights["W2"].size},
                 "that leaves out the biases: b1 has d_ff = 3072 numbers and b2 has d_model = 768, and "
                 "they are learned too."),
         Mistake({"ffn": weights["W1"].size + d_ff + d},
                 "the network has two weight matrices: W1 (768 x 3072) takes each token up to d_ff "
                 "features and W2 (3072 x 768) brings it back to d_model."),
         Mistake({"ffn": weights["W1"].size + weights["W2"].size + 2 * d_ff},
                 "b2 is added to the output of W2, which has d_model = 768 features, not d_ff."),
         Mistake({"ffn": 2 * d * d + 2 * d},
                 "the hidden layer is d_ff = 3072 wide, four times d_model, not d_model."),
         Mistake({"block": heads * attention + ffn + norms},
                 "the heads share out W_q, W_k, W_v and W_o (each head uses d_model / h = 64 of their "
                 "columns); attention's count does not grow with the heads: 4 x 768^2 + 4 x 768."),
         Mistake({"block": block - 4 * d},
                 "3,072 parameters are missing: the biases of the four attention projections (4 x 768) "
                 "and the two LayerNorms' gamma and beta (2 x 2 x 768, another 3,072) all count."),
         Mistake({"block": block - 4 * d - norms},
                 "both the attention projections' biases (4 x 768) and the two LayerNorms' gamma and "
                 "beta (2 x 2 x 768) are learned parameters of the block."),
         Mistake({"block": block - 2 * d},
                 "the block has two LayerNorms, each with a gamma and a beta of 768 numbers: 3,072 in "
                 "all."),
         Mistake({"block": block - (d * d + d)},
                 "the output projection W_o (768 x 768, and its bias) belongs to the attention sublayer "
                 "too.")),
        hint="Feed-forward: W1, b1, W2, b2. Attention: four 768 x 768 matrices and four biases, whatever "
             "the number of heads. LayerNorms: two, each with gamma and beta.")

    # Question 3: d_model = 256, gamma 1, beta 0, eps 0; the input's norm 16; 8 blocks.
    d, depth, size = 256, 8, 16.0
    rng = np.random.default_rng(0)
    post = float(np.linalg.norm(layer_norm(rng.normal(size=d), np.ones(d), np.zeros(d), 0.0)))
    stream = size * np.eye(d)[0]
    for step in range(1, depth + 1):                      # orthogonal changes of norm 16
        stream = stream + size * np.eye(d)[step]
    pre = float(np.linalg.norm(stream))
    placement = Key(
        {"post_norm": post, "pre_norm": pre, "additions_only": "b"},
        (Mistake({"post_norm": 1.0},
                 "LayerNorm gives each token mean 0 and variance 1 across its features, not norm 1: "
                 "256 features whose squares average 1 have a squared norm of 256."),
         Mistake({"post_norm": post ** 2},
                 "that is the squared norm: the squares of the 256 normalised features average 1, so "
                 "they sum to 256, and the norm is the square root of that."),
         Mistake({"post_norm": np.sqrt(d - 1)},
                 "that is the norm after normalising with the unbiased variance (dividing by d - 1); "
                 "LayerNorm divides by d, so the squares of its output sum to exactly d."),
         Mistake({"post_norm": pre},
                 "a post-norm block ends with a LayerNorm: whatever the blocks add, each output is "
                 "renormalised, to norm sqrt(d_model) when gamma = 1 and beta = 0."),
         Mistake({"pre_norm": size * (depth + 1)},
                 "norms add like that only for vectors that point the same way. These changes are "
                 "orthogonal, so their squares add (Pythagoras): 9 vectors of norm 16."),
         Mistake({"pre_norm": size},
                 "in pre-norm only the copy fed to each sublayer is normalised; the residual stream "
                 "itself never passes through a LayerNorm, so every block's change stays in it."),
         Mistake({"pre_norm": size * np.sqrt(depth)},
                 "that leaves out the input: the stream starts as the input vector (norm 16) and the 8 "
                 "changes are added to it."),
         Mistake({"additions_only": "a"},
                 "in post-norm every residual sum passes through a LayerNorm before the next block, so "
                 "the path back runs through all of them. In pre-norm the stream is only ever added to: "
                 "the LayerNorms sit on the side branches."),
         Mistake({"additions_only": "c"},
                 "post-norm's path back runs through a LayerNorm after every residual sum; only one "
                 "arrangement keeps the LayerNorms off the residual stream."),
         Mistake({"additions_only": "d"},
                 "pre-norm keeps the LayerNorms on the side branches, at the input of each sublayer: its "
                 "residual stream is the input plus every block's change, additions only.")),
        hint="Post-norm: the LayerNorm's output, whose squares sum to d_model. Pre-norm: the stream "
             "is the input plus 8 orthogonal changes. Where do the LayerNorms sit in each?")
    return {"layer_norm_token": token, "ffn_parameters": params, "norm_placement": placement}


KEYS = _keys()
