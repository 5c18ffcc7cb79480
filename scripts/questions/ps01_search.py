"""ps01's questions (see scripts/question_cells.py): what a lookup returns, predicted."""

CHAPTER = "search"
BEFORE = "explore_intro"
SECTION = 4

QUESTIONS = [
    dict(name="tied_keys", points=2, answer='{"hard": [0, 0, 1], "cold": [0.5, 0, 0.5]}', text=r"""
### Question 1: a tie

The vocabulary is (cats, funny, guitar, lesson) and the topics are (comedy, music, pets). Four
titles become bag-of-words keys over that vocabulary, and their values are one-hot topics:

| key | title | key vector | topic | value |
|---|---|---|---|---|
| 0 | guitar lesson | (0, 0, 1, 1) | music | (0, 1, 0) |
| 1 | funny cats | (1, 1, 0, 0) | pets | (0, 0, 1) |
| 2 | funny guitar | (0, 1, 1, 0) | comedy | (1, 0, 0) |
| 3 | lesson | (0, 0, 0, 1) | music | (0, 1, 0) |

The query is "funny cats guitar", $q = (1, 1, 1, 0)$.

- `"hard"`: the row that `hard_lookup(q, keys, values)` returns, as a list of 3 numbers.
- `"cold"`: what `soft_lookup(q, keys, values, temperature=T)` approaches as $T$ goes to 0, as a
  list of 3 numbers.
"""),
    dict(name="unrelated_titles", points=2, answer='{"best_weight": 0.618, "zero_share": 0.215}', text=r"""
### Question 2: titles that share no word

A query is scored against ten titles by bag-of-words dot products: one title scores 3, two score
1, and the other seven share no word with the query and score 0. The weights are the softmax of
the scores at temperature $T = 1$.

- `"best_weight"`: the weight of the title that scores 3, to 3 decimals.
- `"zero_share"`: the total weight of the seven titles that score 0, to 3 decimals.
"""),
    dict(name="long_query", points=2, answer='{"nan_count": 1, "zero_count": 3, "temperature": 300}',
         text=r"""
### Question 3: a query 300 times longer

A query's dot-product scores against four keys are $(3, 1, 1, 0)$. Now the query vector is
multiplied by 300; the keys stay as they are.

- `"nan_count"` and `"zero_count"`: the literal formula $e^{s_i} / \sum_j e^{s_j}$, computed in
  float64 (`np.exp(s) / np.exp(s).sum()`) on the new scores $s$: how many of its 4 weights are
  NaN, and how many are exactly 0?
- `"temperature"`: at which temperature $T$ are the long query's weights
  $\operatorname{softmax}(s / T)$ exactly the original query's weights at $T = 1$?
"""),
]
