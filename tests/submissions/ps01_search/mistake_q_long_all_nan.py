# expect: partial
# feedback: only the first weight is inf / inf = NaN
# Overflow believed to make every weight NaN.
# %% long_query
long_query = {"nan_count": 4, "zero_count": 0, "temperature": 300}
