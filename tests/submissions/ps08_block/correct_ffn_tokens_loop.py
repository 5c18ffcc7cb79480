# expect: full
# stderr: a UserWarning printed for every call (warnings.warn), which must not cost points
# One token at a time, flattening the leading axes; warns about being slow.
# %% feed_forward
import warnings


def feed_forward(X, W1, b1, W2, b2):
    warnings.warn("feed_forward: looping over tokens is slow")
    X = np.asarray(X, dtype=float)
    rows = X.reshape(-1, X.shape[-1])
    out = np.empty((rows.shape[0], W2.shape[1]))
    for t, x in enumerate(rows):
        h = x @ W1 + b1
        g = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in h])
        out[t] = g @ W2 + b2
    return out.reshape(X.shape[:-1] + (W2.shape[1],))
