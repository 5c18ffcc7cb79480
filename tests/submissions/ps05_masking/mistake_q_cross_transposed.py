# expect: partial
# feedback: one row per *query*
# The weights given as (batch, n_kv, n_q): rows for the source tokens.
# %% translation_shapes
translation_shapes = {"weights_shape": (2, 6, 4), "output_shape": (2, 4, 12), "needs_causal": False,
                      "weight": 0.333}
