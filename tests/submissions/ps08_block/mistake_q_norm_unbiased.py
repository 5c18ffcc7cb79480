# expect: partial
# feedback: that is the unbiased variance
# The variance divided by d - 1 = 3 (np.var(x, ddof=1), or statistics.variance), and used.
# %% layer_norm_token
layer_norm_token = {"means": 12, "variance": 4.667, "output": [-1.389, -0.926, 1.0, 0.389]}
