# expect: partial
# feedback: calls qkv_course.attention.scaled_dot_product_attention
# Hostile: calls the reference in a thread.
# %% scaled_dot_product_attention
import threading, qkv_course.attention as _a
def scaled_dot_product_attention(Q, K, V, mask=None):
    box = []
    t = threading.Thread(target=lambda: box.append(_a.scaled_dot_product_attention(Q, K, V, mask)))
    t.start(); t.join()
    return box[0]
