# expect: partial
# feedback: one row per query and one column per key
# The weights read as (n_k, n_q).
# %% padded_batch
padded_batch = {"weights": (2, 8, 7, 5), "output": (2, 8, 5, 32), "zeros": 120}
