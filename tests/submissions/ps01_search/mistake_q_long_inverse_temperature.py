# expect: partial
# feedback: dividing by T = 1/300 multiplies the scores by 300 once more
# The temperature inverted: T = 1/300.
# %% long_query
long_query = {"nan_count": 1, "zero_count": 3, "temperature": 1 / 300}
