"""ps10's questions (see scripts/question_cells.py): the cost of attention, counted and predicted."""

CHAPTER = "cost"
BEFORE = "explore_intro"
SECTION = 5
NOTE = "Count FLOPs and bytes by this notebook's definitions (parts 1 and 2)."

QUESTIONS = [
    dict(name="layer_bill", points=2,
         answer='{"flops": 2.75e11, "gigabytes": 2.147, "crossover_n": 2048}', text=r"""
### Question 1: the bill of one layer

A self-attention layer has 16 heads of size $d_\text{head} = 64$ (so $d_\text{model} = 1024$)
and reads $n = 8192$ tokens. Its scores are stored in bfloat16, 2 bytes per number.

- `"flops"`: the FLOPs of attention's two matrix products, $QK^\top$ and weights $\times V$,
  summed over all 16 heads, to 3 significant figures (written like `4.56e9`).
- `"gigabytes"`: the memory of the score matrices of all 16 heads, one $n \times n$ matrix per
  head, in GB ($10^9$ bytes), to 3 decimals.
- `"crossover_n"`: the layer also has four projections, $W_q$, $W_k$, $W_v$ and $W_o$, each a
  product of the $(n, d_\text{model})$ tokens with a $(d_\text{model}, d_\text{model})$ matrix,
  so $2\,n\,d_\text{model}^2$ FLOPs each. At which length $n$ do attention's two products (all
  16 heads) cost exactly as many FLOPs as the four projections together?
"""),
    dict(name="local_window", points=2,
         answer='{"kept": 124840, "band_flops": 3.20e7, "layers": 16}', text=r"""
### Question 2: a local window

A sequence of $n = 1000$ tokens uses `local_window_mask(1000, 64)`: query $i$ may attend to key
$j$ when $|i - j| \le 64$. Positions count from 0.

- `"kept"`: how many of the $1000 \times 1000$ entries of the mask are True?
- `"band_flops"`: a kernel that computes only the kept scores (and only their share of the
  output), with $d_k = d_v = 64$, one head: how many FLOPs do its two products take, by this
  notebook's definition? To 3 significant figures.
- `"layers"`: several such layers are stacked, each with the same window. In one layer, the
  output at position $i$ depends only on the inputs at positions $j$ with $|i - j| \le 64$. What
  is the fewest number of layers after which the output at position 999 can depend on the input
  at position 0?
"""),
    dict(name="online_softmax", points=2,
         answer='{"l": [0.0, 1.223, 1.585], "output": 2.688, "careless_nan": True}', text=r"""
### Question 3: the running softmax, by hand

One query has six keys, processed in chunks of 2 (keys 0–1, 2–3, 4–5). Its scores, already
divided by $\sqrt{d_k}$, are

$$s = (-\infty,\ -\infty,\ 2.0,\ 0.5,\ 3.0,\ 1.0)$$

(keys 0 and 1 are masked), and the values are one number each, $v = (8,\ -4,\ 6,\ -2,\ 1,\ 9)$.
Run the update of part 4, starting from $m = -\infty$, $\ell = 0$, $a = 0$, shifting by 0 while
$m' = -\infty$.

- `"l"`: the running sum $\ell$ after chunk 1, after chunk 2 and after chunk 3, as a list of 3
  numbers (3 decimals).
- `"output"`: the query's output $a / \ell$ after the last chunk, to 3 decimals.
- `"careless_nan"`: a *careless* update always subtracts $m'$, even when $m' = -\infty$. Is its
  final output NaN (`True` or `False`)?
"""),
]
