"""qkv-course's grader: what runs on the instructor's side, never in a student's kernel.

* :mod:`.assignments`: which checks grade which assignment, and the package view its kernel sees;
* :mod:`.execute`, :mod:`.restore`, :mod:`.autograde`, :mod:`.feedback`: nbgrader plug-ins (the
  hardened execute step that decides tests outside the kernel, the cell restorer, ...);
* :mod:`.sandbox`, :mod:`.launch`: the sandboxed kernel; :mod:`.remote`: deciding a test in this
  process on the kernel's answers; :mod:`.hidden`: the hidden cases (not in the wheel);
* :mod:`.classgrade`: ``qkv-grade``, class-scale autograding.
"""
