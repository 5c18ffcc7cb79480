# expect: full
# The questions answered by computing, with the student's own masks and cross_attention: numpy
# values, shapes and arrays as they come.
# %% heads_and_padding
_rng = np.random.default_rng(5)
_pad = padding_mask([5, 2, 4], 5)
_mask = causal_mask(5) & _pad[:, None, None, :]
_S = _rng.normal(size=(3, 4, 5, 5))
_e = np.where(_mask, np.exp(_S), 0.0)
_w = _e / _e.sum(axis=-1, keepdims=True)
_left = causal_mask(5) & _pad[:, ::-1][:, None, None, :]
heads_and_padding = {"mask_shape": _mask.shape, "weights_shape": _w.shape, "zeros": np.sum(_w == 0),
                     "empty_rows": np.sum(~np.broadcast_to(_left, _w.shape).any(axis=-1))}
# %% wrong_axis
_S1 = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0], [2.0, 0.0, 1.0]])
_buggy = padding_mask([3, 1], 3)[:, :, None]
_e = np.where(_buggy[1], np.exp(_S1), 0.0)
_rows = _e.sum(axis=-1, keepdims=True)
_w = np.divide(_e, _rows, out=np.zeros_like(_e), where=_rows > 0)
wrong_axis = {"row_0": _w[0], "zero_rows": np.sum(~_w.any(axis=-1)),
              "first_changed": np.any(_buggy[0] != padding_mask([3, 1], 3)[0][None, :])}
# %% translation_shapes
_rng = np.random.default_rng(6)
_out, _w = cross_attention(_rng.normal(size=(2, 4, 16)), _rng.normal(size=(2, 6, 16)), np.zeros((16, 8)),
                           _rng.normal(size=(16, 8)), _rng.normal(size=(16, 12)),
                           padding_mask([6, 3], 6)[:, None, :])
translation_shapes = {"weights_shape": _w.shape, "output_shape": _out.shape, "needs_causal": False,
                      "weight": _w[1, 1, 0]}
