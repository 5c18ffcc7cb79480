"""ps06's questions (see scripts/question_cells.py): heads' shapes, parameters and the split, predicted."""

CHAPTER = "multihead"
BEFORE = "explore_intro"
SECTION = 5
NOTE = 'Shapes are tuples such as `(2, 3)`; counts are whole numbers.'

QUESTIONS = [
    dict(name="head_shapes", points=2,
         answer='{"q_split": (2, 12, 9, 32), "weights": (2, 12, 9, 9), "scale": 5.657, '
                '"torch_weights": (2, 9, 9)}',
         text=r"""
### Question 1: the shapes inside a layer

MiniLM's attention layers have $d_\text{model} = 384$ and 12 heads. A batch of 2 sentences of 9
tokens, `X` of shape `(2, 9, 384)`, goes through your `multi_head_attention` with 12 heads.

- `"q_split"`: the shape of $Q = X W_q$ after the split into heads.
- `"weights"`: the shape of the weights `multi_head_attention` returns.
- `"scale"`: the number every head divides its dot products $q \cdot k$ by, to 3 decimals.
- `"torch_weights"`: the shape of the weights that `torch.nn.MultiheadAttention(384, 12,
  batch_first=True)` returns for the same batch, called as `layer(x, x, x)` with its default
  arguments.
"""),
    dict(name="parameter_counts", points=2,
         answer='{"params_8": 1050624, "params_16": 1050624, "in_proj_shape": (1536, 512), '
                '"score_products": 5120000}',
         text=r"""
### Question 2: what more heads cost

A multi-head layer has $d_\text{model} = 512$ and, like `torch.nn.MultiheadAttention`, a bias in
each of its four projections ($W_q$, $W_k$, $W_v$ and $W_o$).

- `"params_8"`: how many parameters (weights and biases) does it hold with 8 heads?
- `"params_16"`: and with 16 heads?
- `"in_proj_shape"`: the shape of the `in_proj_weight` of `torch.nn.MultiheadAttention(512, 8)`.
- `"score_products"`: with 8 heads and a sentence of $n = 100$ tokens, how many multiplications
  do the dot products $q \cdot k$ of all the scores of all the heads take together (one
  multiplication per pair of numbers multiplied; leave out the additions and the scaling)?
"""),
    dict(name="reshape_bug", points=2,
         answer='{"right": [4, 5, 6, 7], "buggy": [14, 15, 16, 17], "round_trip": True}', text=r"""
### Question 3: the reshape without the transpose

`X` holds 3 tokens of 8 features, labelled so that you can follow them: `X[i, c] = 10 * i + c`
(token 0 is `0 1 2 ... 7`, token 1 is `10 11 ... 17`, token 2 is `20 ... 27`). It is split
into 2 heads of 4 features.

- `"right"`: the 4 numbers of head 1, token 0 of `split_heads(X, 2)`, as a list.
- `"buggy"`: the 4 numbers of "head 1, token 0" of the buggy split `X.reshape(2, 3, 4)`, that is
  `X.reshape(2, 3, 4)[1, 0]`.
- `"round_trip"`: does the buggy merge `.reshape(3, 8)` applied to the buggy split give back `X`
  exactly (`True` or `False`)?
"""),
]
