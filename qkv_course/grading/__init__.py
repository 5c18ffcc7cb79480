"""Grading helpers for the course's nbgrader assignments.

* :mod:`.core`: generic checks that produce targeted feedback.
* :mod:`.tripwire`: detection of forbidden shortcuts (library or reference code).
* one module per assignment (``ps01``, ...) with the checks its tests call.
"""

from .core import FeedbackError, call_student, check_close, check_finite, check_shape, fail, to_array
from .tripwire import SHORTCUTS, Tripwire, shortcuts

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
