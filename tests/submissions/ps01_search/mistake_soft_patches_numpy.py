# expect: partial
# feedback: The weights were not normalised
# Hostile: the cell replaces numpy's comparison helpers (nbgrader issue #1379's trick, and more)
# so that any comparison would pass, then forgets to normalise. The grader puts numpy back.
# %% soft_lookup
import numpy.testing

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, bool)
np.array_equal = lambda *a, **k: True
np.isfinite = lambda x: np.ones(np.shape(x), bool)
np.testing.assert_allclose = lambda *a, **k: None

def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    return np.exp(scores - scores.max(axis=-1, keepdims=True)) @ values
