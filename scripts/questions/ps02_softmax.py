"""ps02's questions (see scripts/question_cells.py): what the softmax does, predicted."""

CHAPTER = "softmax"
BEFORE = "explore_intro"
SECTION = 4

QUESTIONS = [
    dict(name="halve_temperature", points=2, answer='{"position": 0, "new_weight": 0.842}', text=r"""
### Question 1: halving the temperature

The scores $x = (2.0,\ 1.0,\ 0.5,\ -1.0)$ get the weights $\operatorname{softmax}(x / T)$ at
temperature $T = 1$. Now the temperature is halved, to $T = 0.5$.

- `"position"`: which position's weight grows the most (0, 1, 2 or 3)?
- `"new_weight"`: that position's weight at $T = 0.5$, to 3 decimals.
"""),
    dict(name="large_scores", points=2, answer='{"literal_finite": False, "first_weight": 0.665}', text=r"""
### Question 2: large scores

The scores are $x = (1000,\ 999,\ 998)$, in float64.

- `"literal_finite"`: does the literal formula $e^{x_i} / \sum_j e^{x_j}$ give finite weights
  (`True` or `False`)?
- `"first_weight"`: the first weight of the stable softmax (the one that subtracts the
  maximum), to 3 decimals.
"""),
    dict(name="causal_weights", points=2, answer='{"row_2": [1/3, 1/3, 1/3, 0.0], "zeros": 6}', text=r"""
### Question 3: a causal mask

Four tokens, all scores 0 (a $4 \times 4$ array of zeros), and a causal mask (`causal_mask(4)`:
token $i$ may attend to keys $j \le i$). Rows and keys count from 0.

- `"row_2"`: the 4 weights of token 2's row of `masked_softmax(scores, mask)`, as a list.
- `"zeros"`: how many of the 16 weights are exactly 0?
"""),
]
