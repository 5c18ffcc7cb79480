"""qkv_course: the helper package of the qkv-course book and its assignments.

One module per idea of the book:

* :mod:`qkv_course.search`: chapter 1, search as attention (queries, keys, values).
* :mod:`qkv_course.softmax`: stable softmax with temperature, log-sum-exp, masked softmax.
* :mod:`qkv_course.plotting`: the book's figures.
* :mod:`qkv_course.grading`: checks used by the assignments' tests.
* :mod:`qkv_course.validation`: input checks with clear error messages.
"""

__version__ = "0.1.0"
