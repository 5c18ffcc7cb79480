"""ps05's questions (see scripts/question_cells.py): masks and cross-attention, predicted."""

CHAPTER = "masking"
BEFORE = "explore_intro"
SECTION = 4
NOTE = 'Shapes are tuples such as `(2, 3)`. As in chapter 5, a query with no allowed key gets zero weights.'

QUESTIONS = [
    dict(name="heads_and_padding", points=2,
         answer='{"mask_shape": (3, 1, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 148, "empty_rows": 16}',
         text=r"""
### Question 1: a causal mask, padding and heads

A batch of three sequences of lengths 5, 2 and 4 is padded **on the right** to $n = 5$ and goes
through a causal self-attention with **4 heads**: the scores are `(3, 4, 5, 5)` (batch, heads,
queries, keys), and the mask is

```python
pad = padding_mask([5, 2, 4], 5)                       # (3, 5)
mask = causal_mask(5) & pad[:, None, None, :]           # key_padding_mask(pad, heads=True)
```

The scores are ordinary finite numbers, so an allowed key never gets a weight of exactly 0.

- `"mask_shape"`: the shape of `mask`.
- `"weights_shape"`: the shape of the attention weights.
- `"zeros"`: how many of all the weights (every sequence, head, query and key) are exactly 0?
- `"empty_rows"`: now the same sequences are padded **on the left** instead (the real tokens at
  the end, `pad[:, ::-1]`), with the same causal mask. How many rows of the weights (every
  sequence, head and query) have no allowed key at all?
"""),
    dict(name="wrong_axis", points=2,
         answer='{"row_0": [0.245, 0.090, 0.665], "zero_rows": 2, "first_changed": False}', text=r"""
### Question 2: the padding mask on the wrong axis

A batch of two sentences of lengths 3 and 1, padded to 3: `pad = padding_mask([3, 1], 3)`. The
scores of the second sentence (rows: queries 0, 1, 2; columns: keys 0, 1, 2) are

$$S = \begin{pmatrix} 1 & 0 & 2 \\ 0.5 & 1 & -1 \\ 2 & 0 & 1 \end{pmatrix}.$$

By mistake the attention is masked with `pad[:, :, None]` instead of `pad[:, None, :]`.

- `"row_0"`: the 3 weights of the second sentence's query 0 with this buggy mask, as a list,
  to 3 decimals.
- `"zero_rows"`: how many of the second sentence's 3 rows of weights are all zeros with the
  buggy mask?
- `"first_changed"`: does the bug change any weight of the first sentence (`True` or `False`),
  whatever its scores?
"""),
    dict(name="translation_shapes", points=2,
         answer='{"weights_shape": (2, 4, 6), "output_shape": (2, 4, 12), "needs_causal": False, '
                '"weight": 1 / 3}',
         text=r"""
### Question 3: cross-attention in a translation model

A translation model's decoder reads a batch of two source sentences with its cross-attention:
`cross_attention(X_q, X_kv, W_q, W_k, W_v, mask)` with the target tokens `X_q` of shape
`(2, 4, 16)`, the source tokens `X_kv` of shape `(2, 6, 16)`, `W_q` and `W_k` of shape `(16, 8)`
and `W_v` of shape `(16, 12)`. The source sentences have lengths 6 and 3 (padded to 6).

- `"weights_shape"`, `"output_shape"`: the shapes of the weights and of the output.
- `"needs_causal"`: besides the source's padding mask, does this cross-attention need a causal
  mask (`True` or `False`)?
- `"weight"`: suppose every score $q \cdot k / \sqrt{d_k}$ happens to be 0. With the right mask,
  what weight does target token 1 of sentence 1 (the second sentence, counting from 0) put on
  source token 0?
"""),
]
