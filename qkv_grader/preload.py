"""What every ``qkv-grade`` local worker would otherwise load at its first student, loaded once by
the workers' fork server (:func:`qkv_grader.workers._preloads`) before it forks them: the grader's
own modules, nbgrader's and the kernel client's imports, the SQLite driver, and nbformat's
compiled notebook validators. Only imports and pure-Python set-up: the fork server starts no
thread, process or kernel, and runs no check."""

import filelock  # noqa: F401  (the gradebook lock)
import ipykernel.kernelspec  # noqa: F401  (the kernel's spec, looked up for every notebook)
import nbformat.validator
import numpy.random  # noqa: F401
import psutil  # noqa: F401
import sqlalchemy.dialects.sqlite  # noqa: F401

from . import autograde, execute, feedback, plain, restore, workers  # noqa: F401

for _minor in (None, nbformat.current_nbformat_minor):
    for _relax in (False, True):
        nbformat.validator.get_validator(nbformat.current_nbformat, _minor, relax_add_props=_relax)
