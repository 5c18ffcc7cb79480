# expect: partial
# feedback: the products of matching features were added up over the keys
# Multiplies matching features by broadcasting, then sums over the wrong axis (the keys).
# %% dot_scores
def dot_scores(query, keys):
    products = query[..., None, :] * keys
    return products.sum(axis=-2)
