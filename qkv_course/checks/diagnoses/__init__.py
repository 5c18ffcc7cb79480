"""The diagnoses of mistakes, each written once, by concept, and used by every assignment that
needs it. A diagnosis is a detection (an array the mistake returns, or a predicate on the
student's array, or a test on the exception the student's code raised) and the message that
names the mistake.

* :mod:`.case`: :class:`~.case.Attention`, one attention computation as the grader sees it (Q, K,
  V, the mask and the expected ``(output, weights)``), and the ``Diagnoses`` type.
* :mod:`.softmax`: normalisation and numerical stability: the wrong axis, a sum without
  keepdims, weights never normalised, a maximum that underflows, overflow in exp.
* :mod:`.masks`: masks: ignored, inverted, applied after the softmax, blocked scores set to 0, a
  finite fill such as -1e9, NaN in the rows of queries with nothing to attend to, mask builders
  whose True and False are swapped, masks that are not boolean.
* :mod:`.scaling`: the scores divided by the wrong number.
* :mod:`.shapes`: batch and head axes (K.T on batched arrays, code written for one number of
  axes), results of the wrong form or shape.
* :mod:`.precision`: results computed in float32.
* :mod:`.layers`: torch layers and functions that must train: outputs cut off from the
  parameters' gradients, the input changed in place.
* :mod:`.errors`: hints added to an exception the student's code raised (broadcasting and shape
  errors, dtype errors, batch axes, a mask used as an index or as a truth value, ...), each a
  test on the exception (:class:`~qkv_course.checks.core.Raised`) and its advice, parameterised
  by what the assignment passes.
* :mod:`.pair`: grading a function that returns attention's pair ``(output, weights)`` (ps04 to
  ps10): it assembles the diagnoses above for an :class:`~.case.Attention`.

Chapter modules (``qkv_course.checks.<key>``) keep only what is specific to their exercise:
cases, labels, their own mistakes, and which of these diagnoses apply.

Why a package of concept modules rather than one module with sections: a chapter's imports then
say which concepts its exercises share with others (``tests/test_diagnoses.py`` checks that
every concept module serves more than one chapter, and that no message is written twice).
"""
