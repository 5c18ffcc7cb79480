# expect: partial
# feedback: e^900 overflows float64
# float64 taken to hold e^900: no NaN, no zero.
# %% long_query
long_query = {"nan_count": 0, "zero_count": 0, "temperature": 300}
