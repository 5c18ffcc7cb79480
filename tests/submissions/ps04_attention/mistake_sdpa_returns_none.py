# expect: partial
# feedback: did you forget the `return` statement?
# No return statement.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2)
