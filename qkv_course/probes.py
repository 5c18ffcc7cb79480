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

from typing import Any

__all__: list[str] = []


# --- ps08: retrieval_attention

def train_retrieval(attention: Any, seed: int, steps: int) -> dict[str, Any]:
    """Train chapter 8's retrieval model (:func:`qkv_course.toy.train_retrieval`, seed ``seed``,
    ``steps`` steps) with the notebook's ``attention(X, W_q, W_k, W_v, W_o) -> (output,
    weights)`` as its attention layer; its four ``nn.Linear(d, d)`` layers are made in the order
    and with the seed of the course's own layer. Returns ``{"state": {name: array}}``, the trained
    parameters, for the grader to evaluate on examples of its own."""
    from torch import nn

    from . import toy

    class StudentAttention(nn.Module):
        def __init__(self, d_model: int) -> None:
            super().__init__()
            self.W_q = nn.Linear(d_model, d_model)
            self.W_k = nn.Linear(d_model, d_model)
            self.W_v = nn.Linear(d_model, d_model)
            self.W_o = nn.Linear(d_model, d_model)

        def forward(self, X: Any, mask: Any = None) -> Any:
            result = attention(X, self.W_q, self.W_k, self.W_v, self.W_o)
            if not isinstance(result, tuple) or len(result) != 2:
                raise ValueError("retrieval_attention must return a pair (output, weights)")
            return result

    model = toy.train_retrieval(steps=int(steps), seed=int(seed), attention=StudentAttention).model
    return {"state": {k: v.detach().double().numpy() for k, v in model.state_dict().items()}}


__all__ += ["train_retrieval"]
