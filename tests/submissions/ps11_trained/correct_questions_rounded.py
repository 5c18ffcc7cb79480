# expect: full
# The questions answered by hand, rounded as asked, in other containers: fractions written as
# expressions, a shape as a list, counts as integral floats, an upper-case option.
# %% query_rows
query_rows = {"uniform": 1 / 7, "mean_on_target": (0.70 + 0.40 + 0.91 + 0.45) / 4, "hit_rate": 3 / 4}
# %% padded_probs
padded_probs = {"shape": [3, 12, 12, 12], "zeros": 12.0 * 12 * (3 + 7), "padded_row_sum": 1}
# %% head_slice
head_slice = {"slice": "A", "head_params": 32 * 384 + 32, "layer_params": 591360.0}
