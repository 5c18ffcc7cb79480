"""ps04's questions (see scripts/question_cells.py): attention's shapes and the sqrt(d_k), predicted."""

CHAPTER = "attention"
BEFORE = "explore_intro"
SECTION = 3

QUESTIONS = [
    dict(name="padded_batch", points=2,
         answer='{"weights": (2, 8, 5, 7), "output": (2, 8, 5, 32), "zeros": 120}',
         text=r"""
### Question 1: shapes in a padded batch

The queries `Q` have shape `(2, 8, 5, 64)` (a batch of 2, 8 heads, 5 queries, $d_k = 64$), the
keys `K` shape `(2, 8, 7, 64)` and the values `V` shape `(2, 8, 7, 32)`. Sequence 1 of the batch
has only 4 real keys, followed by 3 of padding, so the mask has shape `(2, 1, 1, 7)`: all True
for sequence 0, and `(True, True, True, True, False, False, False)` for sequence 1.
`output, weights = scaled_dot_product_attention(Q, K, V, mask)`.

- `"weights"`: the shape of `weights`, as a tuple;
- `"output"`: the shape of `output`, as a tuple;
- `"zeros"`: how many of all the weights are exactly 0?
"""),
    dict(name="no_scaling", points=2,
         answer='{"std_dot": 32.0, "weight_unscaled": 1.0, "weight_scaled": 0.731, "breaks": "b"}', text=r"""
### Question 2: leaving out $\sqrt{d_k}$ at $d_k = 1024$

Queries and keys have $d_k = 1024$ entries, independent, with mean 0 and variance 1 (as in a
freshly initialised layer).

- `"std_dot"`: the standard deviation of the unscaled dot product $q \cdot k$.
- A query meets two keys whose scaled scores $q \cdot k / \sqrt{d_k}$ are 1.0 and 0.0.
  `"weight_unscaled"`: the first key's weight if the division by $\sqrt{d_k}$ is left out;
  `"weight_scaled"`: its weight with the division. Both to 3 decimals.
- `"breaks"`: what goes wrong, in general, when the division is left out at this size?
  - `"a"`: the scores overflow and the weights become NaN, even with a stable softmax;
  - `"b"`: the softmax saturates: one key takes almost all the weight, and the derivative of the
    weights with respect to the scores is almost 0, so the layer hardly learns;
  - `"c"`: the weights become almost uniform, $1/n_k$ each;
  - `"d"`: nothing: the softmax does not change when every score is multiplied by a constant.
"""),
    dict(name="one_query", points=2,
         answer='{"weights": [0.665, 0.090, 0.245], "output": [0.910, 0.335], "masked_output": [0.731, 1.0]}',
         text=r"""
### Question 3: one query by hand

$d_k = 4$. One query $q = (1, 1, 1, 1)$ meets three keys $k_0 = (1, 1, 1, 1)$,
$k_1 = (1, 1, -1, -1)$ and $k_2 = (1, 0, 1, 0)$, whose values are $v_0 = (1, 0)$,
$v_1 = (0, 1)$ and $v_2 = (1, 1)$. Give each answer as a list, to 3 decimals:

- `"weights"`: the query's 3 attention weights;
- `"output"`: its output (2 numbers);
- `"masked_output"`: its output with the mask `(False, True, True)`.
"""),
]
