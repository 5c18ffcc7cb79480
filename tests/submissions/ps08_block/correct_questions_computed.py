# expect: full
# The questions answered by computing: the student's own layer_norm, numpy values and arrays as
# they come.
# %% layer_norm_token
_X = np.zeros((2, 6, 4))
_x = np.array([1.0, 2.0, 3.0, 6.0])
layer_norm_token = {"means": _X.mean(axis=-1).size, "variance": _x.var(),
                    "output": layer_norm(_x, np.array([1.5, 2.0, 0.5, 1.0]), np.array([0.0, 0.0, 1.0, -1.0]))}
# %% ffn_parameters
_d, _ff = 768, 3072
_ffn = np.int64(_d * _ff + _ff + _ff * _d + _d)
ffn_parameters = {"ffn": _ffn, "block": _ffn + 4 * (_d * _d + _d) + 2 * 2 * _d}
# %% norm_placement
_z = layer_norm(np.random.default_rng(1).normal(size=256), np.ones(256), np.zeros(256), eps=0.0)
_stream = 16.0 * np.eye(256)[:9].sum(axis=0)   # the input and 8 orthogonal changes of norm 16
norm_placement = {"post_norm": np.linalg.norm(_z), "pre_norm": np.linalg.norm(_stream), "additions_only": "B"}
