"""Probes: what the grader asks the kernel to find out about a student's objects.

A check run by the grader outside the kernel (:mod:`qkv_grader.remote`) cannot touch the
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

#: Probes the grader does not run itself to guess a correct notebook's answer
#: (:mod:`qkv_grader.remote`): each trains a model for seconds. Their calls are asked of the kernel.
UNGUESSED = frozenset({"train_retrieval"})


# --- ps11: retrieval_attention

def train_retrieval(attention: Any, seed: int, steps: int) -> dict[str, Any]:
    """Train chapter 11's retrieval model (:func:`qkv_course.trained.train_retrieval`, seed ``seed``,
    ``steps`` steps) with the notebook's ``attention(X, W_q, W_k, W_v, W_o) -> (output,
    weights)`` as its attention layer; its four ``nn.Linear(d, d)`` layers are made in the order
    and with the seed of the course's own layer. Returns ``{"state": {name: array}}``, the trained
    parameters, for the grader to evaluate on examples of its own."""
    from torch import nn

    from . import trained

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

    model = trained.train_retrieval(steps=int(steps), seed=int(seed), attention=StudentAttention).model
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


__all__ += ["split_heads_outcome", "mha_layout", "mha_load",
            "mha_call_facts", "mha_parameter_dtypes"]


# --- ps03: QKVProjection
# Generic questions about a class or a torch layer (any problem set with an nn.Module exercise may
# ask them). Each returns plain data; none knows what a right answer is.

def class_facts(obj: Any) -> dict[str, Any]:
    """What ``obj`` is: ``{"is_class", "type", "callable", "mro": ["module.QualName", ...],
    "module": whether it derives from torch.nn.Module}``."""
    import sys

    facts: dict[str, Any] = {"is_class": isinstance(obj, type), "type": type(obj).__name__,
                             "callable": callable(obj), "mro": [], "module": False}
    if facts["is_class"]:
        facts["mro"] = [f"{getattr(c, '__module__', '?')}.{getattr(c, '__qualname__', '?')}"
                        for c in type.mro(obj)]
        torch = sys.modules.get("torch")
        facts["module"] = bool(torch is not None and issubclass(obj, torch.nn.Module))
    return facts


def seeded_call(seed: int, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with torch's random generator seeded with ``seed`` (a student's
    class built reproducibly), leaving the kernel's own random state as it was."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return fn(*args, **kwargs)


def layer_facts(layer: Any) -> dict[str, Any]:
    """What a torch layer holds, as nn.Module sees it and beside it: ``params`` (name, shape,
    requires_grad, dtype), ``buffers`` (names), ``plain_tensors`` (attributes holding a plain
    tensor), ``containers`` (attributes that are a plain list, tuple or dict holding layers or
    parameters: name and kind), ``linears`` (in and out sizes of each nn.Linear) and
    ``dropout`` (whether a dropout layer is among its modules)."""
    import torch
    from torch import nn

    params = [[str(k), [int(s) for s in p.shape], bool(p.requires_grad), str(p.dtype)]
              for k, p in layer.named_parameters()]
    plain = [str(k) for k, v in vars(layer).items() if not k.startswith("_") and type(v) is torch.Tensor]
    containers = []
    for k, v in vars(layer).items():
        if k.startswith("_") or not isinstance(v, (list, tuple, dict)):
            continue
        items = list(v.values()) if isinstance(v, dict) else list(v)
        if any(isinstance(x, (nn.Module, nn.Parameter)) for x in items):
            containers.append([str(k), "dict" if isinstance(v, dict) else type(v).__name__])
    modules = list(layer.modules())
    return {
        "params": params,
        "buffers": [str(k) for k, _ in layer.named_buffers()],
        "plain_tensors": plain,
        "containers": containers,
        "linears": [[int(m.in_features), int(m.out_features)] for m in modules if isinstance(m, nn.Linear)],
        "dropout": any(isinstance(m, nn.modules.dropout._DropoutNd) for m in modules),
    }


def parameter_gradients(layer: Any, X: Any, weights: Any) -> dict[str, Any]:
    """Run ``layer(X)`` (on a copy of X) once; for each entry of ``weights`` (one weight tensor or
    None per output of the layer) the gradient of ``sum_i (output_i * weight_i).sum()`` with
    respect to each trainable parameter (None where the loss does not reach it). Returns
    ``{"names", "grads", "input_changed"}``: the parameters' names, the gradients per entry, and
    whether forward changed its input in place."""
    import torch

    X = X.detach().clone()
    kept = X.detach().cpu().numpy().copy()
    named = [(str(k), p) for k, p in layer.named_parameters() if p.requires_grad]
    outputs = list(layer(X))
    changed = kept.shape != tuple(X.shape) or bool((X.detach().cpu().numpy() != kept).any())
    grads = []
    for entry in weights:
        terms = [(o * w).sum() for o, w in zip(outputs, entry)
                 if w is not None and isinstance(o, torch.Tensor) and o.requires_grad]
        if not terms or not named:
            grads.append([None] * len(named))
            continue
        found = torch.autograd.grad(sum(terms), [p for _, p in named], allow_unused=True,
                                    retain_graph=True)
        grads.append([None if g is None else g.detach().cpu().numpy() for g in found])
    return {"names": [k for k, _ in named], "grads": grads, "input_changed": changed}


def sgd_step(layer: Any, X: Any, G: Any, lr: float, inputs: Any) -> dict[str, Any]:
    """One step of plain gradient descent on the layer's trainable parameters, with the loss
    ``sum_i (layer(X)[i] * G[i]).sum()``: ``p.add_(grad, alpha=-lr)`` for each, which is what
    ``torch.optim.SGD(params, lr)`` without momentum does (written out: building the optimiser
    imports torch._dynamo, which rebinds ``torch.manual_seed`` in the student's kernel). Returns
    the layer's outputs for each of ``inputs`` before and after the step (``{"before", "after",
    "stepped"}``, ``stepped``: how many parameter tensors got a gradient), then puts the
    parameters back as they were."""
    import torch

    def read() -> list:
        return [[o.detach().cpu().numpy().copy() for o in layer(x.detach().clone())] for x in inputs]

    params = [p for p in layer.parameters() if p.requires_grad]
    saved = [p.detach().clone() for p in params]
    before = read()
    stepped = 0
    try:
        terms = [(o * g).sum() for o, g in zip(layer(X.detach().clone()), G)
                 if isinstance(o, torch.Tensor) and o.requires_grad]
        if params and terms:
            grads = torch.autograd.grad(sum(terms), params, allow_unused=True)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    if g is not None:
                        p.add_(g, alpha=-float(lr))
                        stepped += 1
        after = read()
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    return {"before": before, "after": after, "stepped": stepped}


__all__ += ["class_facts", "seeded_call", "layer_facts", "parameter_gradients", "sgd_step"]


# --- every problem set's questions (qkv_course.checks.questions)

def answer_of(value: Any) -> Any:
    """A question's answer (a notebook global) as plain data: dicts, lists, tuples, numbers,
    strings and arrays as copies of themselves (what :func:`qkv_course.emit.encode` sends), so
    that the check reads the same in the kernel and in the grader. An answer holding anything
    else (an object of the student's class, a dict subclass) is returned as it is: the kernel
    then hands it out as a handle, which the grader sees by its type's name only."""
    from .emit import decode, encode

    arrays: list = []
    tree = encode(value, arrays)
    if _holds_object(tree):
        return value
    return decode(tree, {f"a{i}": a for i, a in enumerate(arrays)})


def _holds_object(tree: Any) -> bool:
    if isinstance(tree, dict):
        return "object" in tree or any(_holds_object(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_holds_object(v) for v in tree)
    return False


__all__ += ["answer_of"]
