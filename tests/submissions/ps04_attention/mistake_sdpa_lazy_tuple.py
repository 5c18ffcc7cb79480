# expect: partial
# feedback: (its 2nd item, the weights) returned shape (), but the expected shape is
# Hostile: a tuple subclass whose items would be computed by the reference code when the grader
# reads them (after the call, outside the tripwire). The grader reads the tuple's real items.
# %% scaled_dot_product_attention
import qkv_course.attention as _a

class Lazy(tuple):
    def __getitem__(self, i):
        return _a.scaled_dot_product_attention(*self.args)[i]

    def __len__(self):
        return 2

    def __iter__(self):
        return iter([self[0], self[1]])

def scaled_dot_product_attention(Q, K, V, mask=None):
    t = Lazy((0, 0))
    t.args = (Q, K, V, mask)
    return t
