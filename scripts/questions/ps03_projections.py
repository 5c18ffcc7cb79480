"""ps03's questions (see scripts/question_cells.py): shapes, parameters and scores, predicted."""

CHAPTER = "projections"
BEFORE = "explore_intro"
SECTION = 3

QUESTIONS = [
    dict(name="batch_shapes", points=2, answer='{"V": (3, 5, 4), "K_T": (8, 5, 3), "np_dot": (3, 5, 3, 5)}',
         text=r"""
### Question 1: the shapes of a batch

A batch of 3 sentences of 5 tokens each, `X` of shape `(3, 5, 16)`, is projected with `W_q` and
`W_k` of shape `(16, 8)` and `W_v` of shape `(16, 4)`: `Q, K, V = project_qkv(X, W_q, W_k, W_v)`.
Give each shape as a tuple:

- `"V"`: the shape of `V`;
- `"K_T"`: the shape of `K.T`;
- `"np_dot"`: the shape of `np.dot(Q, np.swapaxes(K, -1, -2))`.
"""),
    dict(name="head_parameters", points=2,
         answer='{"weight_shape": (64, 1024), "per_head": 196_800, "all_layers": 75_571_200}', text=r"""
### Question 2: the projections of GPT-2 medium

GPT-2 medium has $d_\text{model} = 1024$ and 24 layers, each with 16 attention heads of
$d_k = d_v = 64$. One head's query, key and value maps are three `nn.Linear(1024, 64)` layers
with biases (`bias=True`, the default), such as `W_q = nn.Linear(1024, 64)`.

- `"weight_shape"`: the shape of the query map's weight tensor, `W_q.weight.shape`, as a tuple;
- `"per_head"`: how many parameters one head's three maps have, weights and biases;
- `"all_layers"`: how many parameters the query, key and value maps of all the heads of all 24
  layers have together.
"""),
    dict(name="two_token_scores", points=2, answer='{"s_01": 10.0, "s_10": 12.0, "rank_M": 2}', text=r"""
### Question 3: one score, both ways round

Two tokens have the embeddings $x_0 = (1, 0, 2)$ and $x_1 = (0, 1, 1)$ ($d_\text{model} = 3$),
and $d_k = 2$, with

$$W_q = \begin{pmatrix} 1 & 0 \\ 0 & 1 \\ 1 & 1 \end{pmatrix}, \qquad
W_k = \begin{pmatrix} 0 & 1 \\ 1 & 0 \\ 1 & 2 \end{pmatrix}$$

(shape `(3, 2)`: $q_i = x_i W_q$ and $k_i = x_i W_k$, as in `project_qkv`).

- `"s_01"`: the score $s_{01} = q_0 \cdot k_1$, how much token 0 looks for token 1;
- `"s_10"`: the score $s_{10} = q_1 \cdot k_0$;
- `"rank_M"`: the rank of the $3 \times 3$ matrix $M = W_q W_k^\top$, through which every score
  compares two tokens ($s_{ij} = x_i M x_j^\top$).
"""),
]
