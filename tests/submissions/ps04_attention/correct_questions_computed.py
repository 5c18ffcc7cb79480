# expect: full
# The questions answered by computing with the student's own scaled_dot_product_attention (a
# d_k = 1 query for the two scores, so that the division is by 1), numpy values as they come.
# %% padded_batch
_rng = np.random.default_rng(7)
_Q, _K, _V = (_rng.normal(size=s) for s in [(2, 8, 5, 64), (2, 8, 7, 64), (2, 8, 7, 32)])
_mask = np.ones((2, 1, 1, 7), dtype=bool)
_mask[1, ..., 4:] = False
_out, _w = scaled_dot_product_attention(_Q, _K, _V, _mask)
padded_batch = {"weights": _w.shape, "output": _out.shape, "zeros": (_w == 0).sum()}
# %% no_scaling
_two_keys = np.array([[1.0], [0.0]])
_, _w_scaled = scaled_dot_product_attention(np.array([[1.0]]), _two_keys, np.eye(2))
_, _w_unscaled = scaled_dot_product_attention(np.array([[np.sqrt(1024)]]), _two_keys, np.eye(2))
no_scaling = {"std_dot": np.sqrt(1024), "weight_unscaled": _w_unscaled[0, 0],
              "weight_scaled": _w_scaled[0, 0], "breaks": "b"}
# %% one_query
_q = np.array([[1.0, 1.0, 1.0, 1.0]])
_K = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, -1.0, -1.0], [1.0, 0.0, 1.0, 0.0]])
_V = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_out, _w = scaled_dot_product_attention(_q, _K, _V)
_masked, _ = scaled_dot_product_attention(_q, _K, _V, np.array([False, True, True]))
one_query = {"weights": _w[0], "output": _out[0], "masked_output": _masked[0]}
