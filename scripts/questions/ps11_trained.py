"""ps11's questions (see scripts/question_cells.py): reading the toy model's attention, and
MiniLM's attention by its sizes (answered without loading the model)."""

CHAPTER = "trained"
BEFORE = "explore_intro"
SECTION = 3

QUESTIONS = [
    dict(name="query_rows", points=2,
         answer='{"mean_on_target": 0.615, "hit_rate": 0.75, "uniform": 0.143}', text=r"""
### Question 1: where the query looks

In the retrieval task each sequence has 6 items, at positions 0 to 5, and the query item at
position 6. The query's row of attention weights has 7 entries, one per position, its own
included. Here are the query rows of a trained model on four held-out examples, and each
example's target, the position of the item whose key matches the query:

| example | weights on positions 0, 1, 2, 3, 4, 5, 6 | target |
|---|---|---|
| 0 | 0.05, 0.05, 0.70, 0.05, 0.05, 0.05, 0.05 | 2 |
| 1 | 0.02, 0.02, 0.02, 0.02, 0.40, 0.02, 0.50 | 4 |
| 2 | 0.91, 0.01, 0.01, 0.02, 0.01, 0.02, 0.02 | 0 |
| 3 | 0.10, 0.10, 0.10, 0.10, 0.10, 0.45, 0.05 | 5 |

- `"mean_on_target"`: the weight on the target, averaged over the four examples, to 3
  decimals.
- `"hit_rate"`: the fraction of the four examples whose largest weight is on the target.
- `"uniform"`: the same mean weight on the target for an untrained model whose query row
  spreads its weight evenly, to 3 decimals.
"""),
    dict(name="padded_probs", points=2,
         answer='{"shape": (3, 12, 12, 12), "zeros": 1440, "padded_row_sum": 1.0}', text=r"""
### Question 2: a padded batch in MiniLM

Three sentences tokenize to 9, 5 and 12 tokens (`[CLS]` and `[SEP]` included), so the tokenizer
pads them to $n = 12$: the rows of `attention_mask` end with 3, 7 and 0 zeros. You call
`minilm_self_attention(hidden, weights, attention_mask, num_heads=12)` for one layer of MiniLM
($d_\text{model} = 384$). Sentences, heads and positions count from 0.

- `"shape"`: the shape of `probs`, as a tuple.
- `"zeros"`: how many entries of `probs` does the mask set to exactly 0?
- `"padded_row_sum"`: the sum of `probs[1, 0, 8]`, head 0's row for position 8 of sentence 1
  (a padding position).
"""),
    dict(name="head_slice", points=2,
         answer='{"slice": "a", "head_params": 12320, "layer_params": 591360}', text=r"""
### Question 3: one head's weights inside MiniLM

In every MiniLM layer, `attention.self.query` is an `nn.Linear(384, 384)`: its `weight` has
shape `(384, 384)`, its `bias` shape `(384,)`, and it computes `Q = x @ weight.T + bias`. As in
chapter 6, head $h$'s queries are the columns $32h$ to $32h + 31$ of `Q` (12 heads of
$d_\text{head} = 32$, counted from 0).

- `"slice"`: which slice of `weight` holds the weights that make head 5's queries?
  `"a"`: `weight[160:192, :]`; `"b"`: `weight[:, 160:192]`; `"c"`: `weight[5::12, :]`;
  `"d"`: `weight[:, 5::12]`.
- `"head_params"`: how many numbers of `query` (weights and biases) make head 5's queries?
- `"layer_params"`: how many numbers (weights and biases) do the four maps of one layer's
  attention sublayer hold together: `query`, `key`, `value` and `attention.output.dense`, each
  an `nn.Linear(384, 384)` with a bias?
"""),
]
