# expect: partial
# feedback: calls qkv_course.attention.
# Hostile: runs the reference's code object under another module name.
# %% scaled_dot_product_attention
import types, qkv_course.attention as _a
def scaled_dot_product_attention(Q, K, V, mask=None):
    f = types.FunctionType(_a.scaled_dot_product_attention.__code__, dict(_a.__dict__, __name__="__main__"))
    return f(Q, K, V, mask)
