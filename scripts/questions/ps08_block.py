"""ps08's questions (see scripts/question_cells.py): LayerNorm, the block's parameters, and where
the LayerNorms go, predicted."""

CHAPTER = "block"
BEFORE = "self_check"
SECTION = 4

QUESTIONS = [
    dict(name="layer_norm_token", points=2,
         answer='{"means": 12, "variance": 3.5, "output": [-1.604, -1.069, 1.0, 0.604]}', text=r"""
### Question 1: LayerNorm of one token

A batch `X` of shape `(2, 6, 4)` (2 sentences of 6 tokens, $d_\text{model} = 4$) goes through
`layer_norm(X, gamma, beta, eps=1e-5)` with $\gamma = (1.5,\ 2.0,\ 0.5,\ 1.0)$ and
$\beta = (0.0,\ 0.0,\ 1.0,\ -1.0)$. One of its tokens is $x = (1,\ 2,\ 3,\ 6)$.

- `"means"`: how many means $\mu$ does `layer_norm` compute for `X`?
- `"variance"`: the variance $\sigma^2$ it uses for the token $x$.
- `"output"`: the 4 numbers of $\mathrm{LN}(x)$, with $\gamma$ and $\beta$, each to 3 decimals, as a list.
"""),
    dict(name="ffn_parameters", points=2, answer='{"ffn": 4_722_432, "block": 7_087_872}', text=r"""
### Question 2: counting a block's parameters

A block has GPT-2 small's sizes: $d_\text{model} = 768$, 12 heads and
$d_\text{ff} = 4\, d_\text{model} = 3072$. Its attention has $W_q, W_k, W_v, W_o$ ($768 \times 768$
each), each with a bias of 768 numbers; its feed-forward network is
$\mathrm{GELU}(x W_1 + b_1)\, W_2 + b_2$; and it has two LayerNorms, each with its $\gamma$ and
$\beta$.

- `"ffn"`: how many parameters (weights and biases) does the feed-forward network have?
- `"block"`: how many does the whole block have (attention, feed-forward network and both
  LayerNorms)?
"""),
    dict(name="norm_placement", points=2,
         answer='{"post_norm": 16.0, "pre_norm": 48.0, "additions_only": "b"}', text=r"""
### Question 3: where the LayerNorms go

A stack of 8 blocks has $d_\text{model} = 256$, and every LayerNorm has $\gamma = 1$ and
$\beta = 0$ (take $\varepsilon = 0$). A token's input vector has norm 16.

- `"post_norm"`: with 8 **post-norm** blocks, what is the norm of the token's vector after the
  8th block, whatever the weights?
- `"pre_norm"`: with 8 **pre-norm** blocks, suppose each block adds to the token's vector a
  change of norm 16 that is orthogonal to the input and to every other block's change. What is
  the norm of the token's vector after the 8th block (before any final LayerNorm)?
- `"additions_only"`: in which arrangement is the path from the last block's output back to the
  first block's input made of additions only, with no LayerNorm on it? `"a"`: post-norm,
  `"b"`: pre-norm, `"c"`: both, `"d"`: neither.
"""),
]
