"""qkv_course: the helper package of the qkv-course book and its assignments.

One module per idea of the book:

* :mod:`qkv_course.search`: chapter 1, search as attention (queries, keys, values).
* :mod:`qkv_course.softmax`: chapter 2, stable softmax with temperature, log-sum-exp, masked softmax.
* :mod:`qkv_course.projections`: chapter 3, queries, keys and values as linear maps of tokens.
* :mod:`qkv_course.attention`: chapter 4, scaled dot-product attention; self- and cross-attention.
* :mod:`qkv_course.masking`: chapter 5, causal and padding masks (True = may attend).
* :mod:`qkv_course.multihead`: chapter 6, multi-head attention: split and merge heads, multi-head self-attention.
* :mod:`qkv_course.position`: chapter 7, position: sinusoidal encodings, rotary positions (RoPE), ALiBi; attention's blindness to order.
* :mod:`qkv_course.block`: the transformer block around attention: residuals, LayerNorm, the feed-forward network, post- and pre-norm (its chapter follows).
* :mod:`qkv_course.generation`: attention at generation time: the KV cache, grouped-query attention, the cache's size (its chapter follows).
* :mod:`qkv_course.cost`: chapter 10, the cost of attention: FLOPs, memory, chunked (online-softmax) attention, approximations.
* :mod:`qkv_course.trained`: chapter 11a, a key-value retrieval task and a one-attention-layer torch model trained on it.
* :mod:`qkv_course.pretrained`: chapter 11b, all-MiniLM-L6-v2 loaded offline; its attention reproduced with the course's functions; sentence embeddings.
* :mod:`qkv_course.nn`: torch ``nn.Module`` versions of the building blocks.
* :mod:`qkv_course.plotting`: the book's figures.
* :mod:`qkv_course.explorer`: the interactive attention explorer of the book's HTML (click a token, see its weights per head).
* :mod:`qkv_course.checks`: checks used by the assignments' tests; the sandboxed, time-limited kernel autograding runs them in.
* :mod:`qkv_grader.classgrade`: ``qkv-grade``, autograding a whole class in parallel on top of nbgrader.
* :mod:`qkv_course.validation`: input checks with clear error messages.
"""

__version__ = "0.1.0"
