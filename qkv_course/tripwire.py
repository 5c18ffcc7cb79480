"""Shortcut tripwires: notice when graded code calls a function it must not.

A graded exercise asks students to *write* softmax or attention, so calling a
library's version (or this package's reference code) must not earn the points.
Patching module attributes would miss aliases (``from torch import softmax as
s``), so :class:`Tripwire` instead watches every call made while the student's
function runs, with :func:`sys.setprofile`, and matches the *called code*:

* Python functions by their defining module and qualified name
  (``torch.nn.functional.softmax``), however they were imported or renamed;
* C functions and methods (``torch.softmax``, ``tensor.softmax(...)``) by the
  module or type they belong to and their name;
* copies of a forbidden Python function (``types.FunctionType(ref.__code__, ...)``)
  by its code object, which the copy shares.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType
from types import FrameType
from typing import Any, Iterable, Mapping

__all__ = ["Tripwire", "SHORTCUTS", "shortcuts"]

#: Friendly name -> the internal names under which that shortcut's code runs.
SHORTCUTS: Mapping[str, tuple[str, ...]] = {
    "torch.softmax": (
        "torch._VariableFunctionsClass.softmax",
        "torch.Tensor.softmax",
        "torch.nn.functional.softmax",
        "torch._C._special.special_softmax",
        "torch._VariableFunctionsClass.log_softmax",
        "torch.Tensor.log_softmax",
        "torch.nn.functional.log_softmax",
        "torch._C._special.special_log_softmax",
        "torch._VariableFunctionsClass._softmax",
        "torch._VariableFunctionsClass._log_softmax",
    ),
    "scipy.special.softmax": (
        "scipy.special._logsumexp.softmax",
        "scipy.special._logsumexp.log_softmax",
    ),
    "torch.logsumexp": (
        "torch._VariableFunctionsClass.logsumexp",
        "torch.Tensor.logsumexp",
        "torch._C._special.special_logsumexp",
        "torch._VariableFunctionsClass.logcumsumexp",  # its last entry is a log-sum-exp
        "torch.Tensor.logcumsumexp",
    ),
    "scipy.special.logsumexp": ("scipy.special._logsumexp.logsumexp",),
    "torch.nn.functional.scaled_dot_product_attention": (
        "torch._C._nn.scaled_dot_product_attention",
        "torch.nn.functional.scaled_dot_product_attention",
    ),
    "torch.nn.MultiheadAttention": (
        "torch.nn.modules.activation.MultiheadAttention.forward",
        "torch.nn.functional.multi_head_attention_forward",
    ),
}


def shortcuts(*friendly: str) -> dict[str, str]:
    """Map the internal names of the named library shortcuts to their friendly names."""
    return {internal: name for name in friendly for internal in SHORTCUTS[name]}


def _python_name(frame: FrameType) -> str:
    module = frame.f_globals.get("__name__", "?")
    return f"{module}.{frame.f_code.co_qualname}"


def _c_name(func: Any) -> str:
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", "?")
    module = getattr(func, "__module__", None)
    if module is None and owner is not None:
        # A method of an object, e.g. tensor.softmax: name it by the object's type.
        cls = owner if isinstance(owner, type) else type(owner)
        module = getattr(cls, "__module__", "?")
        if "." not in name:
            name = f"{cls.__qualname__}.{name}"
    return f"{module}.{name}"


def _code_of(name: str) -> CodeType | None:
    """The code object of the Python function called ``name`` (``module.qualname``), if its
    module is already imported; None for C functions and unknown names."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        obj = sys.modules.get(".".join(parts[:i]))
        if obj is None:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, None)
        if getattr(obj, "__module__", None) != ".".join(parts[:i]):
            return None  # not that module's own function (a notebook may have put its own there)
        return getattr(obj, "__code__", None) if isinstance(getattr(obj, "__code__", None), CodeType) else None
    return None


class Tripwire:
    """Context manager recording calls to forbidden functions.

    forbidden: internal name -> friendly name, e.g.
    ``{"qkv_course.search.dot_scores": "qkv_course.search.dot_scores"}`` or
    :func:`shortcuts` output. After the block, :attr:`hits` lists the friendly
    names that were called, and :attr:`tampered` is true if the profiler was
    replaced while the block ran (which hides later calls from the tripwire).
    """

    def __init__(self, forbidden: Mapping[str, str] | Iterable[str]):
        if not isinstance(forbidden, Mapping):
            forbidden = {name: name for name in forbidden}
        self.forbidden = dict(forbidden)
        self.codes = {code: friendly for name, friendly in self.forbidden.items()
                      if (code := _code_of(name)) is not None}
        self.hits: list[str] = []
        self.tampered = False

    def _hook(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            friendly = self.forbidden.get(_python_name(frame)) or self.codes.get(frame.f_code)
        elif event == "c_call":
            friendly = self.forbidden.get(_c_name(arg))
        else:
            return
        if friendly is not None and friendly not in self.hits:
            self.hits.append(friendly)

    def __enter__(self) -> "Tripwire":
        self._previous = sys.getprofile()
        self._previous_threading = threading.getprofile()
        sys.setprofile(self._hook)
        threading.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        current = sys.getprofile()
        self.tampered = current is None or getattr(current, "__self__", None) is not self
        sys.setprofile(self._previous)
        threading.setprofile(self._previous_threading)
