# expect: partial
# feedback: returned a generator; return the pair (output, weights) as a tuple
# Hostile: yields instead of returning.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    yield Q
    yield K
