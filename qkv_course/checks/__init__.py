"""The checks behind the assignments' tests: the student's side of grading.

* :mod:`.core`: generic checks that produce targeted feedback, and how checks call student code.
* :mod:`.diagnoses`: the diagnoses of mistakes, each written once, by concept (softmax, masks,
  scaling, shapes, precision, raised errors), and the grading of attention's (output, weights).
* :mod:`.guard`: what the checks record and put back of numpy and torch around student code.
* one module per chapter, named by its key (``search``, ``softmax``, ...), with the checks its
  assignment's tests call. Visible tests run them in the student's kernel; while a notebook is
  graded they run in the grader's process (:mod:`qkv_grader.remote`), hidden cases from
  :mod:`qkv_grader.hidden`.
"""

from ..tripwire import SHORTCUTS, Tripwire, shortcuts
from .core import FeedbackError, call_student, check_close, check_finite, check_shape, fail, to_array

__all__ = [
    "FeedbackError",
    "call_student",
    "check_close",
    "check_finite",
    "check_shape",
    "fail",
    "to_array",
    "SHORTCUTS",
    "Tripwire",
    "shortcuts",
]
