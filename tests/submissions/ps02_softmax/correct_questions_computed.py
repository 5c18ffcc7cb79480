# expect: full
# The questions answered by computing: the student's own softmax and masked_softmax, numpy
# values and arrays as they come.
# %% halve_temperature
_x = np.array([2.0, 1.0, 0.5, -1.0])
_grow = softmax(_x / 0.5) - softmax(_x)
halve_temperature = {"position": np.argmax(_grow), "new_weight": softmax(_x / 0.5)[np.argmax(_grow)]}
# %% large_scores
with np.errstate(over="ignore", invalid="ignore"):
    _literal = np.exp([1000.0, 999.0, 998.0]) / np.exp([1000.0, 999.0, 998.0]).sum()
large_scores = {"literal_finite": bool(np.isfinite(_literal).all()),
                "first_weight": softmax(np.array([1000.0, 999.0, 998.0]))[0]}
# %% causal_weights
_w = masked_softmax(np.zeros((4, 4)), causal_mask(4))
causal_weights = {"row_2": _w[2], "zeros": (_w == 0).sum()}
