# expect: partial
# feedback: the square root belongs to random vectors
# sqrt(300), by analogy with the sqrt(d_k) of scaled attention.
# %% long_query
long_query = {"nan_count": 1, "zero_count": 3, "temperature": 17.32}
