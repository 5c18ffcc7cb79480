"""Probes: what the grader asks the kernel to find out about a student's objects.

A check run by the grader outside the kernel (:mod:`qkv_course.grading.remote`) cannot touch the
student's torch layer: the layer lives in the kernel. It asks instead, with
``call_student(probes.<name>, ...)``, for one of the functions here to run in the kernel on the
layer (a handle, see :class:`qkv_course.emit.Opaque`) and hand back plain data: parameter names
and shapes, whether a gradient reaches each one, ... In the student's own kernel (the visible
tests) the same functions run on the real objects, so a check reads the same either way.

What a probe reports is the kernel's word, like everything else from the kernel: a check may
fail a student on it, but passes only on outputs it can verify (known weights loaded, outputs
for inputs of the grader's choice). Nothing here computes anything a problem set grades.
"""

from __future__ import annotations

__all__: list[str] = []
