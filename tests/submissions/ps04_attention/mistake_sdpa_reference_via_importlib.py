# expect: partial
# feedback: calls qkv_course.attention.scaled_dot_product_attention
# Hostile: reaches the reference through importlib and getattr.
# %% scaled_dot_product_attention
import importlib
def scaled_dot_product_attention(Q, K, V, mask=None):
    a = importlib.import_module("qkv_course.attention")
    f = getattr(a, "scaled_dot_product_" + "attention")
    return f(Q, K, V, mask)
