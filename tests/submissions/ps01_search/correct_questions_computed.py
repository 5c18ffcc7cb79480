# expect: full
# The questions answered by computing with the student's own hard_lookup and soft_lookup (a
# cold temperature for the limit, identity keys and values to read off weights), numpy values
# and arrays as they come.
# %% tied_keys
_keys = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]])
_values = np.eye(3)[[1, 2, 0, 1]]
_q = np.array([1, 1, 1, 0])
tied_keys = {"hard": hard_lookup(_q, _keys, _values),
             "cold": soft_lookup(_q, _keys, _values, temperature=0.001)}
# %% unrelated_titles
_s = np.array([3.0, 1.0, 1.0] + [0.0] * 7)
_w = soft_lookup(_s, np.eye(10), np.eye(10))      # identity keys: the scores are _s
unrelated_titles = {"best_weight": _w[0], "zero_share": _w[_s == 0].sum()}
# %% long_query
_long = 300 * np.array([3.0, 1.0, 1.0, 0.0])
with np.errstate(over="ignore", invalid="ignore"):
    _literal = np.exp(_long) / np.exp(_long).sum()
long_query = {"nan_count": np.isnan(_literal).sum(), "zero_count": (_literal == 0).sum(),
              "temperature": _long[0] / 3}
