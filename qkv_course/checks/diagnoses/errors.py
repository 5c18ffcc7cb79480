"""Hints added to an exception the student's code raised.

Each hint is a pure function of the exception (:class:`~qkv_course.checks.core.Raised`, or None
where the failure was something else) and of what the assignment passes (the case's shapes, its
mask, ...); it returns its advice, or "" where it does not apply. :func:`add_hints` raises the
failure again with the advice that applies. Every chapter's checks take their hints from here.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, NoReturn, Sequence

import numpy as np

from ..core import FeedbackError, Raised, fail
from .masks import HEADS_AXIS_FIX
from .shapes import EINSUM, KT_FIX, batch_axes, kt_fix

__all__ = ["append", "add_hints", "must_raise_value_error", "mask_truth_value", "mask_default", "mask_as_index",
           "mask_broadcast", "heads_mask", "plain_sequence", "keepdims", "batch_matmul", "leading_axes", "heads_matmul",
           "float64_parameters", "init_first", "masked_fill_bool", "einsum_leading",
           "matrix_from_right", "MATMUL", "INDEXING"]

#: What numpy and torch say when a matrix product or einsum meets arrays whose axes do not line up.
MATMUL = ("matmul", "einstein", "aligned", "subscripts")
#: What numpy says when an array is used as an index that does not fit.
INDEXING = ("boolean index", "too many indices", "index out of range", "tuple index")


def _says(raised: Raised | None, signs: Iterable[str]) -> bool:
    return raised is not None and any(s in raised.text for s in signs)


def append(message: str, advice: str) -> str:
    """``message`` ended as a sentence, then ``advice``."""
    message = message.rstrip()
    return f"{message}{'' if message.endswith(('.', ':')) else '.'} {advice}"


def add_hints(err: FeedbackError, *hints: str, new_line: bool = True) -> NoReturn:
    """Raise ``err`` again with the ``hints`` that apply (the non-empty ones) added, on a line of
    their own or (``new_line=False``) as the next sentence, where ``err`` is an exception the
    student's code raised; otherwise raise ``err`` as it is."""
    __tracebackhide__ = True
    found = [h for h in hints if h]
    if err.raised is None or not found:
        raise err
    advice = " ".join(found)
    message = f"{err}\n{advice}" if new_line else append(str(err), advice)
    raise FeedbackError(message) from (err.__context__ or err)


# --------------------------------------------------------------------------- masks

def mask_truth_value(raised: Raised | None) -> str:
    """An array used where Python needs one True or False: ``if mask:``."""
    if not _says(raised, ("truth value of an array",)):
        return ""
    return ("This comes from using an array where Python needs a single True or False, "
            "typically `if mask:`, `if not mask:`, `if mask == None:` or `mask or ...`. "
            "To ask whether a mask was given, test `if mask is not None:`.")


def mask_default(raised: Raised | None) -> str:
    """The function called without a mask, which it requires."""
    if raised is None or "required positional argument" not in raised.text or "'mask'" not in raised.text:
        return ""
    return ("The tests also call the function without a mask: give the argument its "
            "default value, mask=None.")


def mask_as_index(raised: Raised | None, mask_shape: tuple[int, ...] | None,
                  scores_shape: tuple[int, ...], then: str = "") -> str:
    """A mask smaller than the scores used to index them; ``then``: this exercise's advice."""
    if mask_shape is None or mask_shape == scores_shape or not _says(raised, INDEXING):
        return ""
    return (f"The mask has shape {mask_shape}, fewer or shorter axes than the scores "
            f"{scores_shape}: it must be broadcast against them (as np.where does), not used "
            f"to index them.{' ' + then if then else ''}")


def mask_broadcast(raised: Raised | None, mask_shape: tuple[int, ...] | None,
                   scores_shape: tuple[int, ...]) -> str:
    """A mask smaller than the scores that did not line up with them."""
    if mask_shape is None or mask_shape == scores_shape or not _says(raised, ("broadcast", "did not match")):
        return ""
    return (f"The mask of shape {mask_shape} must be used with the scores of shape {scores_shape} "
            "by numpy's broadcasting rule: shapes are lined up from the right, and missing or "
            "length-1 axes are repeated. Make it full size first (np.broadcast_to) before "
            "indexing with it or combining it with the scores.")


def heads_mask(raised: Raised | None, mask_shape: tuple[int, ...] | None,
               weights_shape: tuple[int, ...],
               signs: Sequence[str] = ("broadcast", "shape mismatch", "boolean index", "not aligned")
               ) -> str:
    """A per-sentence mask (..., n, n) that met (..., num_heads, n, n) scores without an axis for
    the heads."""
    if mask_shape is None or len(mask_shape) < 3 or not _says(raised, signs):
        return ""
    return (f"This case's mask has shape {mask_shape}, one (n, n) pattern per sentence, "
            f"and the scores have shape {weights_shape} = (..., num_heads, n, n): "
            "without an axis for the heads, broadcasting lines the mask's batch axis up with "
            f"the heads axis. {HEADS_AXIS_FIX}.")


def plain_sequence(raised: Raised | None, value: Any, name: str) -> str:
    """An argument ``name`` that may arrive as a Python list or tuple, used as an array."""
    if raised is None or isinstance(value, np.ndarray):
        return ""
    return (f"Note that {name} may be a Python list or tuple, which has no .shape and cannot be "
            "indexed with [:, None]: turn it into a numpy array first.")


# --------------------------------------------------------------------------- softmax

def _numpy_shape(shape: tuple[int, ...]) -> str:
    """A shape as numpy writes it in error messages: (2,3) or (2,)."""
    return f"({','.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def keepdims(raised: Raised | None, shape: tuple[int, ...], axis: int = -1) -> str:
    """A maximum or sum along ``axis`` of an array of ``shape``, taken without keepdims, that no
    longer lines up with the array."""
    if len(shape) < 2 or not _says(raised, ("broadcast",)):
        return ""
    reduced = tuple(n for i, n in enumerate(shape) if i != axis % len(shape))
    if _numpy_shape(reduced) not in raised.text:
        return ""
    return (f"A maximum or a sum along an axis removes that axis (here shape {shape} becomes "
            f"{reduced}), so the result no longer lines up with the array it is subtracted from "
            "or divides; keep the axis with length 1 instead (keepdims=True).")


# --------------------------------------------------------------------------- leading axes

def batch_matmul(raised: Raised | None, batch: tuple[int, ...], then: str = EINSUM,
                 signs: Sequence[str] = MATMUL) -> str:
    """A matrix product written for 2-d arrays, on a case with leading ``batch`` axes; ``then``:
    this exercise's last advice."""
    if not batch or not _says(raised, signs):
        return ""
    return (f"This case has leading batch axes {batch}: every step must work on arrays "
            f"(..., n, d). {KT_FIX} {then}")


def leading_axes(raised: Raised | None, shape: tuple[int, ...], core: int, axes: str) -> str:
    """Advice for code written for one number of axes, where X, of ``shape``, has leading axes in
    front of its ``core`` last ones, named ``axes``; "" where it has none (whatever was raised)."""
    k = len(shape) - core
    if raised is None or k <= 0:
        return ""
    return (f"This case has {batch_axes(k)} in front of {axes}: X has shape "
            f"{shape}. Write the function for any number of leading axes: read the sizes you need "
            "from the end of X.shape (X.shape[-1], X.shape[-2], ...), keep the leading axes as they are "
            "when you reshape, and move or swap axes by negative positions. Unpacking X.shape into a "
            "fixed number of names, or a transpose that lists every axis, works for one number of axes "
            "only.")


def heads_matmul(raised: Raised | None, heads_shape: tuple[int, ...]) -> str:
    """A matrix product written for 2-d arrays, on queries split into heads, ``heads_shape``
    (..., num_heads, n, d_head)."""
    if not _says(raised, MATMUL + ("core dimension",)):
        return ""
    return (f"After the split, the queries, keys and values have a heads axis in front of the "
            f"tokens, {heads_shape} = (..., num_heads, n, d_head) here, even when X has no "
            "batch axis, so every step must work on arrays with leading axes. "
            f"{kt_fix('n and d_head', 'head', 'head')} {EINSUM}")


# --------------------------------------------------------------------------- torch layers

def float64_parameters(raised: Raised | None, dtypes: Callable[[], Iterable[str]]) -> str:
    """A float32 X meeting float64 parameters; ``dtypes`` gives the layer's parameters' dtypes
    (asked only when the error is about dtypes)."""
    if not _says(raised, ("Double", "double", "dtype")) or "torch.float64" not in list(dtypes()):
        return ""
    return ("The layer's parameters are float64 but X is float32, PyTorch's default dtype (which "
            "the grader uses): create the parameters with the default dtype, without .double() in "
            "the class (or torch.set_default_dtype(torch.float64) in the notebook).")


def init_first(raised: Raised | None) -> str:
    """A layer assigned before nn.Module's own __init__ ran."""
    if not _says(raised, ("before Module.__init__() call",)):
        return ""
    return "Call super().__init__() first in __init__, before creating any layer or parameter."


def masked_fill_bool(raised: Raised | None) -> str:
    """masked_fill given a mask converted to numbers."""
    if not _says(raised, ("masked_fill",)) or not _says(raised, ("Bool", "bool")):
        return ""
    return ("The mask arrives as a torch bool tensor, which masked_fill takes as it is (or negated "
            "with ~): do not convert it to numbers.")


def einsum_leading(raised: Raised | None) -> str:
    """einsum subscripts that name X's axes one by one."""
    if not _says(raised, ("einsum",)):
        return ""
    return ("X may have any number of leading batch axes in front of (n, d_model), including none: "
            "start the einsum subscripts with '...', which stands for all of them.")


def matrix_from_right(raised: Raised | None) -> str:
    """A product of X and a weight matrix the wrong way round."""
    if not _says(raised, ("cannot be multiplied", "size of tensor a", "mismatch in its core dimension")):
        return ""
    return ("X holds one row per token, (..., n, d_model): multiply it by the matrix from the "
            "right, X @ W with W of shape (d_model, d_out) (an nn.Linear(d_model, d_out) does "
            "this for you).")


def must_raise_value_error(call: Callable[[], Any], label: str, why: str, *, numpy_error: str,
                           own_error_fix: str, returned_fix: str,
                           numpy_signs: Sequence[str] = ("could not be broadcast",)) -> None:
    """The student's function, run by ``call``, must refuse its arguments with ValueError, because
    ``why``. Fails with the targeted message where it returned something, raised another kind of
    exception, or left numpy's own error (``numpy_error``, recognised by ``numpy_signs``) to do it."""
    __tracebackhide__ = True
    try:
        returned = call()
    except FeedbackError as err:
        raised = err.raised
        if raised is None:
            raise
        if raised.kind == "ValueError" and _says(raised, numpy_signs):
            fail(f"{label} raised numpy's own {numpy_error}, not one of yours: {why}. {own_error_fix}")
        if raised.kind != "ValueError":
            fail(f"{label} raised {raised.kind}, but {why} and the task asks for ValueError (the "
                 f"exception for an argument with an unacceptable value). Raise ValueError instead "
                 f"of {raised.kind}.")
        return
    shape = np.shape(returned) if isinstance(returned, np.ndarray) else None
    what = f"an array of shape {shape}" if shape is not None else f"a {type(returned).__name__}"
    fail(f"{label} returned {what} without complaint, but {why}. {returned_fix}")
