"""Hidden cases of ps03 (instructor side only): the inputs that
:mod:`qkv_course.checks.projections`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

#: QKVProjection's hidden tests: ((d_model, d_k, d_v), [shapes of X]) per layer built, the seed of
#: the inputs X and the torch seed of the first layer (the next ones count up from it).
LAYER_CONFIGS = [
    ((8, 8, 8), [(4, 8), (3, 4, 8), (2, 3, 4, 8)]),
    ((16, 4, 8), [(7, 16), (2, 2, 7, 16)]),
    ((5, 1, 2), [(1, 5), (3, 1, 5)]),
    ((3, 7, 2), [(6, 3), (4, 6, 3)]),
]
LAYER_INPUTS_SEED = 33
FIRST_LAYER_SEED = 300


def project_cases() -> list[tuple[np.ndarray, ...]]:
    """The hidden (X, W_q, W_k, W_v) of project_qkv."""
    rng = np.random.default_rng(31)

    def case(x_shape: tuple[int, ...], d_k: int, d_v: int, scale: float = 1.0):
        d_model = x_shape[-1]
        return (scale * rng.normal(size=x_shape), rng.normal(size=(d_model, d_k)),
                rng.normal(size=(d_model, d_k)), rng.normal(size=(d_model, d_v)))

    return [
        case((5, 8), 4, 6),               # no batch axis, d_k != d_v
        case((3, 5, 8), 4, 2),            # one batch axis
        case((2, 3, 4, 6), 6, 3),         # two batch axes, square W_q and W_k
        case((2, 5, 5), 3, 3),            # n == d_model, d_k == d_v
        case((4, 1, 5), 1, 2),            # one token per sentence, d_k = 1
        case((4, 1), 3, 2),               # d_model = 1
        case((2, 6, 5), 4, 3, 1e4),       # large embeddings
    ]


def _keys() -> dict:
    """The keys of ps03's questions (qkv_course.checks.projections.QUESTIONS), computed with the
    course's projections from the numbers the questions give."""
    import torch

    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.nn import QKVProjection
    from qkv_course.projections import parameter_count, project_qkv

    # Question 1: X (3, 5, 16), W_q and W_k (16, 8), W_v (16, 4)
    X = np.zeros((3, 5, 16))
    Q, K, V = project_qkv(X, np.zeros((16, 8)), np.zeros((16, 8)), np.zeros((16, 4)))
    batched = Q @ np.swapaxes(K, -1, -2)
    shapes = Key(
        {"V": V.shape, "K_T": K.T.shape, "np_dot": np.dot(Q, np.swapaxes(K, -1, -2)).shape},
        (Mistake({"V": Q.shape},
                 "V's last axis is d_v, the number of columns of W_v (4), not d_k: values are "
                 "never compared with anything, so their length is free."),
         Mistake({"V": V.shape[1:]},
                 "the batch axis stays: X @ W_v projects every sentence of the batch with the same "
                 "matrix, so V has one (5, 4) block per sentence."),
         Mistake({"K_T": np.swapaxes(K, -1, -2).shape},
                 "that is np.swapaxes(K, -1, -2); K.T reverses every axis of a 3-d array, batch "
                 "axis included, which is why batched code swaps only the last two."),
         Mistake({"np_dot": batched.shape},
                 "that is what Q @ np.swapaxes(K, -1, -2) gives; np.dot does not treat leading "
                 "axes as a batch: it pairs every sentence's queries with every sentence's keys.")),
        hint="Projections act on the last axis only; .T reverses all axes; np.dot(a, b) has shape "
             "a.shape[:-1] + b.shape[:-2] + b.shape[-1:].")

    # Question 2: one head of GPT-2 medium, biases, 16 heads per layer, 24 layers
    d_model, d_head, heads, layers = 1024, 64, 16, 24
    with torch.random.fork_rng(devices=[]):  # leave torch's random state as it was
        layer = QKVProjection(d_model, d_head, d_head, bias=True)
    per_head = sum(p.numel() for p in layer.parameters())
    assert per_head == parameter_count(d_model, d_head, d_head, bias=True)
    no_bias = parameter_count(d_model, d_head, d_head)
    weight = tuple(layer.W_q.weight.shape)
    assert isinstance(layer.W_q, torch.nn.Linear)
    params = Key(
        {"weight_shape": weight, "per_head": per_head, "all_layers": layers * heads * per_head},
        (Mistake({"weight_shape": weight[::-1]},
                 "that is the chapter's numpy (d_model, d_k); nn.Linear stores its weight as "
                 "(out_features, in_features), the transpose, and computes X @ weight.T."),
         Mistake({"per_head": no_bias},
                 "that leaves out the biases: each of the three maps adds one bias per output, "
                 "2 d_k + d_v = 192 more."),
         Mistake({"per_head": no_bias + 3 * d_model},
                 "a bias has one entry per output (d_k or d_v of them), not one per input: the "
                 "biases add 2 d_k + d_v = 192."),
         Mistake({"per_head": parameter_count(d_model, d_model, d_model, bias=True)},
                 "that is three full 1024 x 1024 maps, all 16 heads of a layer together; one head "
                 "maps 1024 numbers to 64."),
         Mistake({"all_layers": layers * per_head},
                 "that counts one head per layer: each of the 16 heads has its own three maps."),
         Mistake({"all_layers": heads * per_head},
                 "that is one layer's 16 heads; the model has 24 such layers.")),
        hint="One head: 1024 x (64 + 64 + 64) weights plus 3 x 64 biases; then 16 heads, 24 layers.")

    # Question 3: two tokens, d_model = 3, d_k = 2
    X2 = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    W_q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W_k = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 2.0]])
    Q2, K2, _ = project_qkv(X2, W_q, W_k, W_q)
    S = Q2 @ K2.T
    scores = Key(
        {"s_01": S[0, 1], "s_10": S[1, 0], "rank_M": int(np.linalg.matrix_rank(W_q @ W_k.T))},
        (Mistake({"s_01": S[1, 0], "s_10": S[0, 1]},
                 "the two are swapped: s_ij is the query of token i with the key of token j, so "
                 "s_01 = q_0 · k_1 = (x_0 W_q) · (x_1 W_k)."),
         Mistake({"s_10": S[0, 1]},
                 "the scores are not symmetric: s_10 uses token 1's query and token 0's key, "
                 "different vectors from those of s_01."),
         Mistake({"s_01": X2[0] @ X2[1]},
                 "that is x_0 · x_1, the raw embeddings' score; project first: q_0 = x_0 W_q and "
                 "k_1 = x_1 W_k."),
         Mistake({"rank_M": 3},
                 "M = W_q W_k^T is 3 x 3, but every product passes through d_k = 2 numbers: its "
                 "rank is at most d_k = 2 (here exactly 2).")),
        hint="Compute q_i = x_i W_q and k_j = x_j W_k, then the dot products.")
    return {"batch_shapes": shapes, "head_parameters": params, "two_token_scores": scores}


KEYS = _keys()
