# expect: full
# The questions answered by computing: the student's own apply_rope, sinusoidal_positions and
# equivariance_error on a numpy attention, values and arrays as they come.
# %% shuffled_tokens
_W = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.2, 0.2, 0.1], [0.2, 0.1, 0.6, 0.1], [0.3, 0.3, 0.2, 0.2]])
_perm = np.array([2, 0, 1, 3])
_rng = np.random.default_rng(4)
_X = _rng.normal(size=(4, 6))


def _causal_attention(X):
    S = X @ X.T / np.sqrt(X.shape[-1])
    S = np.where(np.tril(np.ones((4, 4), dtype=bool)), S, -np.inf)
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True) @ X


_before, _after = _causal_attention(_X), _causal_attention(_X[_perm])
shuffled_tokens = {"y0_row": np.argsort(_perm)[0], "w_row_1": _W[_perm][:, _perm][1],
                   "causal_same": sum(np.allclose(_after[r], _before[t]) for r, t in enumerate(_perm))}
# %% rope_scores
_q, _k = np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])
rope_scores = {"q_rotated": apply_rope(_q, [3])[0],
               "score": apply_rope(_q, [3])[0] @ apply_rope(_k, [5])[0],
               "score_swapped": apply_rope(_q, [5])[0] @ apply_rope(_k, [3])[0]}
# %% sinusoid_values
_P = sinusoidal_positions(50, 4)
_M = np.linalg.lstsq(_P[:-2, :2], _P[2:, :2], rcond=None)[0]
sinusoid_values = {"row_5": _P[5], "longest_wavelength": 2 * np.pi * 10000.0 ** (2 / 4),
                   "shift_matrix": _M.ravel()}
