# expect: partial
# feedback: returned wrong values
# Hostile: an ndarray subclass whose __eq__ and __array__ lie.
# %% scaled_dot_product_attention
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __array__(self, *a, **k): return np.zeros(self.shape)
def scaled_dot_product_attention(Q, K, V, mask=None):
    w = np.zeros(Q.shape[:-1] + (K.shape[-2],)).view(Liar)
    return (np.zeros(Q.shape[:-1] + (V.shape[-1],)).view(Liar), w)
