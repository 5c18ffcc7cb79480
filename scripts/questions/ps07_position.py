"""ps07's questions (see scripts/question_cells.py): shuffles, rotations and sinusoids, predicted."""

CHAPTER = "position"
BEFORE = "explore_intro"
SECTION = 5
NOTE = 'Positions, rows and tokens count from 0.'

QUESTIONS = [
    dict(name="shuffled_tokens", points=2,
         answer='{"y0_row": 1, "w_row_1": [0.3, 0.1, 0.2, 0.4], "causal_same": 1}', text=r"""
### Question 1: shuffling the tokens

A self-attention layer with no positions reads four tokens $X$ (rows 0 to 3). Without a mask, its
outputs are $y_0, y_1, y_2, y_3$ and its weights are

$$W = \begin{pmatrix} 0.1 & 0.2 & 0.3 & 0.4 \\ 0.5 & 0.2 & 0.2 & 0.1 \\
0.2 & 0.1 & 0.6 & 0.1 \\ 0.3 & 0.3 & 0.2 & 0.2 \end{pmatrix}$$

(row $i$: query $i$; column $j$: key $j$). Now the same layer reads the shuffled tokens `X[perm]`
with `perm = [2, 0, 1, 3]`: row $k$ of the new input is old token `perm[k]`.

- `"y0_row"`: which row of the new output (0 to 3) holds $y_0$?
- `"w_row_1"`: row 1 of the new weights, as a list of 4 numbers.
- `"causal_same"`: now the layer has a causal mask. It reads `X`, then `X[perm]`. How many of the
  four tokens get the same output as before (wherever they now stand)?
"""),
    dict(name="rope_scores", points=2,
         answer='{"q_rotated": [-0.990, -0.030, 0.141, 1.000], "score": -0.889, "score_swapped": 0.889}',
         text=r"""
### Question 2: rotary scores by hand

RoPE as in part 2 (half-split layout, base 10000) with $d = 4$, so the pairs are features
$(0, 2)$ and $(1, 3)$ and their frequencies $\theta = (1,\ 0.01)$. The query is
$q = (1, 0, 0, 1)$ and the key $k = (0, 1, 1, 0)$. Angles are in radians.

- `"q_rotated"`: $q$ rotated to position 3, as a list of 4 numbers, to 3 decimals.
- `"score"`: the dot product of $q$ rotated to position 3 with $k$ rotated to position 5 (no
  division by $\sqrt{d_k}$), to 3 decimals.
- `"score_swapped"`: the same with $q$ at position 5 and $k$ at position 3, to 3 decimals.
"""),
    dict(name="sinusoid_values", points=2,
         answer='{"row_5": [-0.959, 0.284, 0.050, 0.999], "longest_wavelength": 628.3, '
                '"shift_matrix": [-0.416, -0.909, 0.909, -0.416]}',
         text=r"""
### Question 3: sinusoids by hand

The sinusoidal encoding of part 1 with $d = 4$ and base 10000. Angles are in radians.

- `"row_5"`: the encoding of position 5, as a list of 4 numbers, to 3 decimals.
- `"longest_wavelength"`: the longest wavelength among the pairs, in positions (tokens), to 1
  decimal: how many positions one full turn of the slowest pair takes.
- `"shift_matrix"`: moving 2 positions along is a linear map of the first pair: there is one
  $2 \times 2$ matrix $M$ with $(P_{p+2,\,0},\ P_{p+2,\,1}) = (P_{p,\,0},\ P_{p,\,1})\, M$ for every
  position $p$ (a row vector times $M$). Its entries as the list
  $[M_{00}, M_{01}, M_{10}, M_{11}]$, to 3 decimals.
"""),
]
