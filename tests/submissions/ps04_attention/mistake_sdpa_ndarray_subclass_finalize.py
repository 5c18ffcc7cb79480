# expect: partial
# feedback: returned wrong values
# Hostile: an ndarray subclass that tries to fill in the reference answer while the grader converts it.
# %% scaled_dot_product_attention
import qkv_course.attention as _a
class Sneaky(np.ndarray):
    def __array_finalize__(self, obj):
        args = getattr(obj, "args", None)
        if args is not None and self.dtype == np.float64 and self.shape == obj.shape:
            ref = _a.scaled_dot_product_attention(*args)[obj.which]
            np.ndarray.__setitem__(self.view(np.ndarray), Ellipsis, ref)
def scaled_dot_product_attention(Q, K, V, mask=None):
    out = np.zeros(Q.shape[:-1] + (V.shape[-1],)).view(Sneaky)
    w = np.zeros(Q.shape[:-1] + (K.shape[-2],)).view(Sneaky)
    out.args = w.args = (Q, K, V, mask)
    out.which, w.which = 0, 1
    return out, w
