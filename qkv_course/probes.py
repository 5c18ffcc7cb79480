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


# --- ps06: MultiHeadAttention
# split_heads's ValueError, and the torch layer MultiHeadAttention(d_model, num_heads): its class,
# building it, its layout (four nn.Linear named by the grader), loading the grader's weights, and
# what a forward call did besides its result (X changed in place, gradients of the linears).

def split_heads_outcome(split_heads, X, num_heads):
    """What ``split_heads(X, num_heads)`` did, for a case where it should refuse: ``{"raised":
    type name, "value_error": bool, "assert": bool}`` for an exception (NotImplementedError, the
    unanswered stub, is raised on), ``{"returned": type name, "shape": [ints] or None}`` else."""
    try:
        value = split_heads(X, num_heads)
    except NotImplementedError:
        raise
    except Exception as exc:  # the student's own exception: what type is it?
        return {"raised": type(exc).__name__, "value_error": isinstance(exc, ValueError),
                "assert": isinstance(exc, AssertionError)}
    try:
        shape = getattr(value, "shape", None)
        shape = None if shape is None else [int(s) for s in shape]
    except Exception:
        shape = None
    return {"returned": type(value).__name__, "shape": shape}


def mha_class_facts(cls, *args):
    """Facts about the answer ``cls`` to a layer exercise: ``{"is_class", "type", "mro"}``, the
    qualified names (module.qualname) of its method resolution order. An answer that is not a class
    but can be called is called once with ``args``: one that still raises NotImplementedError is
    not written yet (raised on), whatever else it does is ignored."""
    if not isinstance(cls, type):
        if callable(cls):
            try:
                cls(*args)
            except NotImplementedError:
                raise
            except Exception:
                pass
        return {"is_class": False, "type": type(cls).__name__, "mro": []}
    mro = [f"{getattr(c, '__module__', '?')}.{getattr(c, '__qualname__', '?')}" for c in type.mro(cls)]
    return {"is_class": True, "type": type(cls).__name__, "mro": mro}


def mha_build(cls, *args, seed=0):
    """``cls(*args)`` built with torch's random generator seeded with ``seed`` (and put back
    afterwards); the layer itself comes back (to the grader, as a handle)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return cls(*args)


def mha_layout(layer, names):
    """The layout of a torch layer with sub-layers ``names``: for each, ``{"exists", "type",
    "linear", "registered"}`` and, for an nn.Linear, ``in_features``, ``out_features``, ``bias``;
    the ``children`` ([name, type name]); the ``count`` of learnable numbers; the names of the
    parameters (``others``) that are not in those of ``names`` that are nn.Linear."""
    import torch

    children = dict(layer.named_children())
    found_names, owned = {}, set()
    for name in names:
        found = getattr(layer, name, None)
        fact = {"exists": found is not None, "type": type(found).__name__,
                "linear": isinstance(found, torch.nn.Linear),
                "registered": found is not None and children.get(name) is found}
        if fact["linear"]:
            fact.update(in_features=int(found.in_features), out_features=int(found.out_features),
                        bias=found.bias is not None)
            owned |= {id(p) for p in found.parameters()}
        found_names[name] = fact
    params = list(layer.named_parameters())
    return {"linears": found_names, "children": [[k, type(v).__name__] for k, v in children.items()],
            "count": int(sum(p.numel() for _, p in params)),
            "others": [k for k, p in params if id(p) not in owned]}


def mha_load(layer, params):
    """Copy ``params`` (sub-layer name -> (weight, bias) arrays) into the layer's nn.Linear
    sub-layers of those names."""
    import torch

    with torch.no_grad():
        for name, (weight, bias) in params.items():
            linear = getattr(layer, name)
            linear.weight.copy_(torch.as_tensor(weight))
            linear.bias.copy_(torch.as_tensor(bias))


def mha_call_facts(layer, names, X, *args):
    """Call ``layer(X, *args)`` once more and report what the result does not show:
    ``x_changed``, whether X was modified in place; ``unused``, the sub-layers of ``names`` whose
    weight gets no gradient from the sum of both tensors of an (output, weights) result whose
    output requires grad (None when there is no such result); ``grad_error``, the error computing
    those gradients raised (None if none)."""
    import torch

    before = X.detach().cpu().numpy().copy()
    result = layer(X, *args)
    after = X.detach().cpu().numpy()
    changed = after.shape != before.shape or not bool((after == before).all())
    unused, error = None, None
    tensors = (torch.Tensor, torch.nn.Parameter)
    if (isinstance(result, (tuple, list)) and len(result) == 2 and all(type(t) in tensors for t in result)
            and result[0].requires_grad):
        output, weights = result
        params = [getattr(layer, n).weight for n in names]
        try:
            grads = torch.autograd.grad(output.sum() + weights.sum(), params, allow_unused=True)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            unused = [n for n, g in zip(names, grads) if g is None]
    return {"x_changed": changed, "unused": unused, "grad_error": error}


def mha_parameter_dtypes(layer):
    """The dtypes of the layer's parameters, as sorted strings ("torch.float32", ...)."""
    return sorted({str(p.dtype) for p in layer.parameters()})


__all__ += ["split_heads_outcome", "mha_class_facts", "mha_build", "mha_layout", "mha_load",
            "mha_call_facts", "mha_parameter_dtypes"]
