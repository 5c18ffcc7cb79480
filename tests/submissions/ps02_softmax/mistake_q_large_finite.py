# expect: partial
# feedback: e^1000 overflows float64
# The literal formula believed finite (float64's range taken to be unlimited); the stable weight right.
# %% large_scores
large_scores = {"literal_finite": True, "first_weight": 0.665}
