"""Hidden test cases: the instructor's side only.

One module per problem set (``ps01``, ...) defines the inputs of its hidden tests; the checks in
``qkv_course.checks.psNN`` load them with :func:`qkv_course.checks.core.hidden_cases` when
called with ``hidden=True``. This package is left out of the wheel that students install
(``pyproject.toml``), and the grading kernel's view of the course package has only stubs in its
place (:mod:`qkv_grader.assignments`): hidden cases run in the grader's process, on
answers the kernel gives for their inputs. An instructor works from the repository (an editable
install), which has them.
"""
