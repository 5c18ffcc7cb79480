"""The kernel's side of grading: run the student's functions on the grader's inputs, hand the
results out as plain data.

While a notebook is graded, the checks do not run in the student's kernel (see
:mod:`qkv_grader.remote`, the grader's side). For every test cell the grader writes a
*request* (the calls its checks want made, inputs only) and runs one line in the kernel::

    answer("<nonce>", "<request file>", "dot_scores")

which calls the student's function on each input, with the in-kernel rule checks (the
tripwire, no in-place changes, ``exit()`` caught), and publishes the results once, tagged with
the cell's nonce, as a ``display_data`` message of type :data:`MIME`. The grader takes that
message out of the notebook, compares the results with values the kernel never saw, and writes
the test's outcome. Nothing here knows an expected value.

Requests and results are *plain data*: one buffer holding a JSON tree that says how the values
nest and the arrays' raw bytes (:func:`pack`, :func:`unpack`: nothing in it is unpickled or
run). No object of the student's ever reaches the grader.

While a function is graded that uses earlier ones (``hard_lookup`` calls ``dot_scores``), the
request can name *trusted helpers*: the student's own helper is swapped, for the length of the
call, for a stand-in that asks the grader to compute it (an ``oracle`` socket), so a mistake in
an earlier exercise costs its points once. The grader answers only for those helpers and only
while that test cell runs.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
import socket
import struct
import sys
import warnings
from typing import Any, Callable, Iterator, Mapping, NoReturn, Sequence

import numpy as np

from .tripwire import Tripwire

__all__ = ["MIME", "Outcome", "answer", "pack", "unpack", "encode", "decode", "run_call", "Opaque", "Keeper",
           "NUMPY_RULE", "describe", "peak_memory"]

#: The MIME type of the display_data message that carries a test cell's results.
MIME = "application/vnd.qkv-course.answers+json"
#: What a graded function must be written with, in the message for a forbidden call.
NUMPY_RULE = "with basic numpy operations, so library and reference versions are not allowed here"
#: Nesting and size limits of what is packed (a submission's results are bounded data).
MAX_DEPTH = 12
MAX_ITEMS = 10_000
MAX_BYTES = 256 * 1024**2

_ndarray = np.ndarray


@dataclasses.dataclass
class Outcome:
    """What one call of a student's function did: returned ``value``, or failed with ``error``,
    the message written for the student; ``peak``: the most memory it held at once, in bytes,
    where it was measured (:func:`peak_memory`)."""

    value: Any = None
    error: str | None = None
    peak: int | None = None


class Opaque:
    """Stands, on the grader's side, for an object that is not plain data (a generator, a
    student's class or layer, ...). Its type's name is the original type's name. Where the
    kernel kept the object (a *handle*, :data:`HANDLES`), ``handle`` is its name there (see
    :class:`Keeper`), and the grader can call it or pass it to a probe (:mod:`qkv_course.probes`)
    in a later call; ``is_module`` and ``is_class`` say whether it is a ``torch.nn.Module`` or a
    class."""

    handle: str | None = None
    is_module = False
    is_class = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object>"

    @property
    def __qkv_ref__(self) -> dict:
        if self.handle is None:
            raise TypeError(f"a {type(self).__name__} cannot be sent back to the notebook")
        return {"handle_ref": self.handle}


_opaque_types: dict[str, type] = {}


def _opaque(name: str, handle: Any = None, module: bool = False, is_class: bool = False) -> Opaque:
    name = str(name)[:100] or "object"
    cls = _opaque_types.get(name)
    if cls is None:
        cls = _opaque_types[name] = type(name, (Opaque,), {})
    obj = cls()
    if type(handle) is str and 0 < len(handle) <= 200:
        obj.handle, obj.is_module, obj.is_class = handle, bool(module), bool(is_class)
    return obj


#: Objects the kernel keeps for the grader (see :class:`Opaque`), by name (:class:`Keeper`).
HANDLES: dict[str, Any] = {}


class Keeper:
    """Keeps the objects of one call's result that are not plain data, in ``store``, under the
    names ``<call id>.0``, ``<call id>.1``, ... in the order :func:`encode` meets them.

    Named by the call that made them, not by a counter of the kernel's, so that the grader can
    name an object before the kernel has made it: a request can carry both the call that builds
    a student's layer and the calls on the layer (see :mod:`qkv_grader.remote`)."""

    def __init__(self, call: str, store: dict[str, Any]) -> None:
        self.call, self.store, self.count = str(call)[:100], store, 0

    def __call__(self, value: Any) -> dict:
        name = f"{self.call}.{self.count}"
        self.count += 1
        if len(self.store) >= MAX_ITEMS and name not in self.store:
            return {"object": type(value).__name__}
        self.store[name] = value
        torch = sys.modules.get("torch")
        module = torch is not None and isinstance(value, torch.nn.Module)
        return {"object": type(value).__name__, "handle": name, "module": bool(module),
                "class": isinstance(value, type)}


# --------------------------------------------------------------------------- plain data

def _plain_array(x: np.ndarray) -> np.ndarray:
    """The data of an ndarray (or subclass) as a plain ndarray, without running the subclass's
    methods; a numpy masked array's masked entries count as 0."""
    kind = type(x)
    if kind is _ndarray:
        return x
    plain = _ndarray.view(x, _ndarray)
    if issubclass(kind, np.ma.MaskedArray):
        hidden = object.__getattribute__(x, "__dict__").get("_mask")
        if type(hidden) is _ndarray and hidden.dtype == np.bool_ and hidden.shape == plain.shape:
            plain = np.where(hidden, 0, plain)
    return plain


def encode(value: Any, arrays: list[np.ndarray], depth: int = 0,
           keep: Callable[[Any], dict] | None = None) -> Any:
    """A JSON-able tree for ``value``; its arrays are appended to ``arrays``.

    ndarrays (subclasses as their plain data), numpy scalars, torch tensors and parameters,
    ``torch.nn.Linear`` layers, tuples, lists, string-keyed dicts, None, bool, int, float,
    complex and short strings travel as themselves; anything else as the name of its type and,
    with ``keep`` (a :class:`Keeper`, for the kernel's results), a handle to it (:class:`Opaque`).
    The grader's stand-ins
    for notebook objects travel as references to them."""
    if isinstance(value, Opaque) or type(value).__module__ == "qkv_grader.remote":
        ref = value.__qkv_ref__
        return dict(ref)
    if depth > MAX_DEPTH:
        return {"object": "deeply nested object"}
    if value is None or type(value) in (bool, int, float):
        if type(value) is int and abs(value) >= 2**63:
            return {"bigint": str(value)}
        return value
    if type(value) is str:
        return {"str": value[:10_000]}
    if type(value) is complex:
        return {"complex": [value.real, value.imag]}
    if isinstance(value, _ndarray):
        plain = _plain_array(value)
        if plain.dtype.hasobject:
            return {"object": "ndarray of Python objects"}
        if not _travels(plain.dtype):
            return {"object": f"ndarray of {plain.dtype}"}
        arrays.append(np.array(plain, copy=True))
        return {"nd": len(arrays) - 1}
    if isinstance(value, np.generic):
        if isinstance(value, np.object_) or not _travels(value.dtype):
            return {"object": type(value).__name__}
        arrays.append(np.array(value))
        return {"np": len(arrays) - 1}
    torch = sys.modules.get("torch")
    if torch is not None:
        if type(value) in (torch.Tensor, torch.nn.Parameter):
            data = value.detach().cpu()
            if data.dtype == torch.bfloat16:
                data = data.float()
            arrays.append(data.numpy().copy())
            return {"torch": len(arrays) - 1, "grad": bool(value.requires_grad),
                    "param": type(value) is torch.nn.Parameter}
        if type(value) is torch.nn.Linear:
            bias = None if value.bias is None else encode(value.bias, arrays, depth + 1)
            return {"linear": {"weight": encode(value.weight, arrays, depth + 1), "bias": bias}}
    if isinstance(value, (tuple, list)):
        # a subclass (a namedtuple, or one that computes its items when read) as its real items,
        # read with the base class's methods
        base = tuple if isinstance(value, tuple) else list
        size = base.__len__(value)
        if size > MAX_ITEMS:
            return {"object": f"{type(value).__name__} of {size} items"}
        return {base.__name__: [encode(base.__getitem__(value, i), arrays, depth + 1, keep)
                                for i in range(size)]}
    if type(value) is dict and all(type(k) is str for k in value) and len(value) <= MAX_ITEMS:
        return {"dict": {k: encode(v, arrays, depth + 1, keep) for k, v in value.items()}}
    return keep(value) if keep is not None else {"object": type(value).__name__}


def decode(tree: Any, arrays: Mapping[str, np.ndarray], depth: int = 0,
           refs: Callable[[str, Any], Any] | None = None) -> Any:
    """The value :func:`encode` described (arrays read from ``arrays``: ``a0``, ``a1``, ...);
    torch values need torch, imported only when one is met. ``refs(kind, key)`` resolves
    references to notebook objects (the kernel's side); without it they are refused."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("nested too deeply")
    if tree is None or type(tree) in (bool, int, float):
        return tree
    if type(tree) is not dict or len(tree) < 1:
        raise ValueError(f"not a packed value: {type(tree).__name__}")
    if "nd" in tree:
        return _array(arrays, tree["nd"])
    if "np" in tree:
        return _array(arrays, tree["np"])[()]
    if "torch" in tree:
        import torch

        data = torch.from_numpy(np.array(_array(arrays, tree["torch"])))
        if tree.get("param"):
            return torch.nn.Parameter(data, requires_grad=bool(tree.get("grad")) and data.is_floating_point())
        if tree.get("grad") and data.is_floating_point():
            data.requires_grad_(True)
        return data
    if "linear" in tree:
        import torch

        spec = tree["linear"]
        weight = decode(spec["weight"], arrays, depth + 1)
        bias = None if spec.get("bias") is None else decode(spec["bias"], arrays, depth + 1)
        layer = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=weight.dtype)
        with torch.no_grad():
            layer.weight.copy_(weight)
            if bias is not None:
                layer.bias.copy_(bias)
        return layer
    if "tuple" in tree:
        return tuple(decode(v, arrays, depth + 1, refs) for v in _items(tree["tuple"]))
    if "list" in tree:
        return [decode(v, arrays, depth + 1, refs) for v in _items(tree["list"])]
    if "dict" in tree:
        items = tree["dict"]
        if type(items) is not dict:
            raise ValueError("bad dict")
        return {str(k): decode(v, arrays, depth + 1, refs) for k, v in items.items()}
    if "notebook" in tree or "handle_ref" in tree:
        if refs is None:
            raise ValueError("a reference where plain data was expected")
        return refs("notebook", str(tree["notebook"])) if "notebook" in tree else refs("handle", tree["handle_ref"])
    if "str" in tree:
        return str(tree["str"])
    if "complex" in tree:
        re, im = tree["complex"]
        return complex(float(re), float(im))
    if "bigint" in tree:
        return int(str(tree["bigint"])[:40])
    if "object" in tree:
        return _opaque(tree["object"], tree.get("handle"), tree.get("module", False), tree.get("class", False))
    raise ValueError(f"unknown packed value {sorted(tree)[:3]}")


def _items(items: Any) -> list:
    if type(items) is not list or len(items) > MAX_ITEMS:
        raise ValueError("bad sequence")
    return items


def _array(arrays: Mapping[str, np.ndarray], index: Any) -> np.ndarray:
    if type(index) is not int:
        raise ValueError("bad array index")
    return arrays[f"a{index}"]


#: The first bytes of a :func:`pack` buffer.
MAGIC = b"QKVPACK1"
#: The kinds of array data that travel: booleans, integers, floats, complex numbers, strings,
#: bytes, times (never objects, records or raw bytes of unknown layout).
_KINDS = frozenset("biufcUSmM")
_ALIGN = 16


def _travels(dtype: np.dtype) -> bool:
    return dtype.kind in _KINDS and not dtype.hasobject and dtype.fields is None and dtype.subdtype is None


def _dtype(spec: Any) -> np.dtype:
    """The dtype a header names (``dtype.str``, e.g. ``<f8``), if :func:`_travels`."""
    if type(spec) is not str or len(spec) > 16:
        raise ValueError("bad dtype")
    try:
        dtype = np.dtype(spec)
    except TypeError:
        raise ValueError(f"unknown dtype {spec!r}") from None
    if not _travels(dtype):
        raise ValueError(f"arrays of {dtype} do not travel")
    return dtype


def pack(tree: Any, arrays: Sequence[np.ndarray]) -> bytes:
    """One buffer: :data:`MAGIC`, the length of a JSON header, the header (the ``tree``, and each
    array's dtype and shape), then the arrays' bytes, each in C order from a multiple of 16.

    A format of our own rather than ``.npz``: reading it is a JSON parse and a view per array,
    nothing that can run code, with none of a zip archive's per-member parsing (which made
    unpacking a request of 50 small arrays take 5 ms, paid for every test cell and trusted helper
    call on both sides)."""
    table, chunks, offset = [], [], 0
    for a in arrays:
        a = a if a.flags.c_contiguous else np.array(a, order="C")  # (ascontiguousarray makes 0-d 1-d)
        _dtype(a.dtype.str)
        pad = -offset % _ALIGN
        chunks += [b"\0" * pad, a.tobytes()]
        offset += pad + a.nbytes
        table.append([a.dtype.str, list(a.shape)])
    header = json.dumps({"tree": tree, "arrays": table}).encode()
    return b"".join([MAGIC, len(header).to_bytes(8, "little"), header, *chunks])


def unpack(blob: bytes, limit: int = MAX_BYTES) -> tuple[Any, dict[str, np.ndarray]]:
    """The tree and arrays (``a0``, ``a1``, ...: writable, and views of one copy of the data) of a
    :func:`pack` buffer. Reads only JSON and the listed arrays' bytes: nothing in it can run
    code. A buffer larger than ``limit`` bytes, or not exactly what its header describes, is
    refused with a ValueError."""
    if len(blob) > limit:
        raise ValueError("results larger than the grader accepts")
    start = len(MAGIC) + 8
    if len(blob) < start or bytes(blob[:len(MAGIC)]) != MAGIC:
        raise ValueError("not a packed buffer")
    size = int.from_bytes(blob[len(MAGIC):start], "little")
    if size > len(blob) - start:
        raise ValueError("truncated header")
    spec = json.loads(bytes(blob[start:start + size]).decode())
    if type(spec) is not dict or type(spec.get("arrays")) is not list or len(spec["arrays"]) > MAX_ITEMS:
        raise ValueError("bad header")
    body = bytearray(blob[start + size:])
    arrays, offset = {}, 0
    for i, entry in enumerate(spec["arrays"]):
        if type(entry) is not list or len(entry) != 2 or type(entry[1]) is not list or len(entry[1]) > 32 \
                or not all(type(n) is int and 0 <= n <= len(body) for n in entry[1]):
            raise ValueError("bad array entry")
        dtype, shape = _dtype(entry[0]), tuple(entry[1])
        count = 1
        for n in shape:
            count *= n
        offset += -offset % _ALIGN
        if offset + count * dtype.itemsize > len(body):
            raise ValueError("arrays larger than the buffer")
        arrays[f"a{i}"] = np.frombuffer(body, dtype=dtype, count=count, offset=offset).reshape(shape)
        offset += count * dtype.itemsize
    if offset != len(body):
        raise ValueError("bytes beyond the arrays")
    return spec.get("tree"), arrays


# --------------------------------------------------------------------------- calling student code

def describe(x: Any) -> str:
    """Short description of an argument for messages, e.g. ``array of shape (2, 3)``."""
    if isinstance(x, _ndarray):
        return f"array of shape {x.shape}"
    return repr(x)


def _signature(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


class _Failed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail(message: str) -> NoReturn:
    raise _Failed(message)


def _unavailable(name: str, rule: str) -> None:
    if UNAVAILABLE_CALLS:
        called = ", ".join(dict.fromkeys(UNAVAILABLE_CALLS))
        _fail(f"{name} calls {called}, the course's own code, which is not available while your "
              f"notebook is graded. This exercise asks you to write that computation yourself {rule}.")


def _raise_system_exit(*args: Any, **kwargs: Any) -> NoReturn:
    raise SystemExit()


@contextlib.contextmanager
def _exit_raises() -> Iterator[None]:
    """While the student's function runs, IPython's ``exit()``/``quit()`` raise ``SystemExit``
    (reported as feedback) instead of asking the kernel to shut down after the cell, which would
    cost every later test its points."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None or not hasattr(shell, "ask_exit"):
        yield
        return
    had = "ask_exit" in vars(shell)
    saved = vars(shell).get("ask_exit")
    shell.ask_exit = _raise_system_exit
    try:
        yield
    finally:
        if had:
            shell.ask_exit = saved
        else:
            vars(shell).pop("ask_exit", None)


def _report_noise(name: str, caught: list, stderr: str) -> None:
    """Tell the student (on stdout) about warnings and stderr output their function produced."""
    notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    if stderr.strip():
        notes.append("stderr: " + stderr.strip().splitlines()[-1])
    if notes:
        print(f"Note: {name} produced these warnings (they do not cost points):")
        for note in notes[:5]:
            print("   ", note)


def peak_memory(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Call ``fn(*args, **kwargs)`` and return ``(its result, peak bytes)``: the most memory that
    :mod:`tracemalloc` saw allocated at once during the call, above the amount at its start.

    numpy reports its array buffers to tracemalloc, so this counts every temporary array; torch
    does not, so torch tensors are invisible here (the benchmark measures those another way).
    Works whether or not tracemalloc is already tracing (it is left as it was).
    """
    import tracemalloc

    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    return result, max(peak - base, 0)


def run_call(fn: Any, name: str, args: Sequence[Any], kwargs: Mapping[str, Any], *,
             forbidden: Mapping[str, str] | None = None, label: str | None = None,
             rule: str = NUMPY_RULE, after: Callable[[], None] | None = None,
             measure: bool = False) -> Outcome:
    """Call the student's ``fn(*args, **kwargs)`` and say what happened, as an :class:`Outcome`.

    The error is a message for the student when ``fn`` is not a function, is still the
    unanswered stub, raises, exits, calls a ``forbidden`` function (internal name -> friendly
    name, see :mod:`qkv_course.tripwire`; best effort: code in the kernel can hide calls from it),
    switches the tripwire off, or modifies one of its array arguments in place. ``after`` runs
    when the call is over, whatever happened (the in-process checks put numpy back there).
    ``measure``: also measure the call's peak memory (:func:`peak_memory`; in the kernel, so best
    effort like the other rule checks)."""
    if not callable(fn):
        return Outcome(error=f"{name} should be a function, but it is a {type(fn).__name__}.")
    call = label or _signature(name, args, kwargs)
    before = [(a, a.copy()) for a in list(args) + list(kwargs.values()) if type(a) is _ndarray]
    wire = Tripwire(forbidden or {})
    stub = False
    peak = None
    del UNAVAILABLE_CALLS[:]
    stderr = io.StringIO()
    try:
        try:
            # Warnings and stderr output are collected and reported on stdout afterwards:
            # nbgrader scores a test cell that writes to stderr as failed.
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr), \
                    _exit_raises(), wire:
                warnings.simplefilter("always")
                if measure:
                    result, peak = peak_memory(fn, *args, **kwargs)
                else:
                    result = fn(*args, **kwargs)
        except NotImplementedError:
            stub = True
        except SystemExit:
            _fail(f"calling {call} raised SystemExit (exit() or sys.exit()): a graded function must "
                  "return its result instead of stopping Python.")
        except _Failed:
            raise
        except Exception as exc:  # the student's error, reported in their terms
            _unavailable(name, rule)  # the likely cause, when it called code the kernel lacks
            _fail(f"calling {call} raised {type(exc).__name__}: {exc}")
        finally:
            if after is not None:
                after()
        if stub:
            _fail(f"{name} is not written yet: replace the `raise NotImplementedError()` line with your code.")
        _report_noise(name, caught, stderr.getvalue())
        _unavailable(name, rule)
        if wire.tampered:
            _fail(f"{name} changed the Python profiler (sys.setprofile) that the grader uses; remove that code.")
        if wire.hits:
            _fail(f"{name} calls {', '.join(wire.hits)}. This exercise asks you to write that computation "
                  f"yourself {rule}.")
        for original, copy in before:
            if original.shape != copy.shape or not (original == copy).all():
                _fail(f"{call} modified its input array in place; work on a copy or build a new array instead.")
    except _Failed as failed:
        return Outcome(error=failed.message)
    return Outcome(value=result, peak=peak)


#: Names of the course's own functions that the student's code called while it was graded,
#: where the grading kernel has stubs in their place (see qkv_grader.assignments).
UNAVAILABLE_CALLS: list[str] = []


def note_unavailable(full_name: str) -> None:
    """Called by a stub of the course's own code when student code calls it (even from a thread
    or inside a ``try``), so the call is reported like a forbidden one."""
    if len(UNAVAILABLE_CALLS) < 100:
        UNAVAILABLE_CALLS.append(str(full_name))


# --------------------------------------------------------------------------- trusted helpers

class _Oracle:
    """Asks the grader, over the Unix socket it named in the request, to compute a helper."""

    def __init__(self, path: str, token: str) -> None:
        self.path, self.token = path, token

    def helper(self, name: str) -> Callable[..., Any]:
        def trusted(*args: Any, **kwargs: Any) -> Any:
            arrays: list[np.ndarray] = []
            tree = {"token": self.token, "name": name, "args": encode(list(args), arrays),
                    "kwargs": encode(dict(kwargs), arrays)}
            reply_tree, reply_arrays = unpack(_exchange(self.path, pack(tree, arrays)))
            if reply_tree.get("error"):
                kind = {"ValueError": ValueError, "TypeError": TypeError,
                        "IndexError": IndexError}.get(reply_tree.get("kind"), RuntimeError)
                raise kind(str(reply_tree["error"]))
            return decode(reply_tree["value"], reply_arrays)

        trusted.__name__ = trusted.__qualname__ = name
        return trusted


def _exchange(path: str, blob: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall(struct.pack("!Q", len(blob)) + blob)
        return _receive(conn)


def _receive(conn: socket.socket, limit: int = MAX_BYTES) -> bytes:
    header = _read(conn, 8)
    (size,) = struct.unpack("!Q", header)
    if size > limit:
        raise ValueError("message too large")
    return _read(conn, size)


def _read(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the grader closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def _helpers_swapped(fn: Any, names: Sequence[str], oracle: _Oracle | None) -> Iterator[None]:
    """While the block runs, the helpers ``names`` that ``fn``'s notebook defines are the
    grader's (see the module docstring)."""
    namespace = getattr(fn, "__globals__", None)
    if not names or oracle is None or not isinstance(namespace, dict):
        yield
        return
    saved = {k: namespace[k] for k in names if callable(namespace.get(k))}
    namespace.update({k: oracle.helper(k) for k in saved})
    try:
        yield
    finally:
        namespace.update(saved)


# --------------------------------------------------------------------------- the test cell's line

def _user_namespace() -> dict[str, Any]:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


def callables(namespace: Mapping[str, Any]) -> list[str]:
    """The names of the notebook's callable globals (the grader decides which helpers to swap)."""
    return sorted(k for k, v in list(namespace.items())
                  if not k.startswith("_") and callable(v) and len(k) < 100)[:2000]


def respond(request: bytes, namespace: Mapping[str, Any]) -> bytes:
    """The results (a :func:`pack` archive) of the grader's ``request`` archive, with the calls
    made on the functions of ``namespace`` (the notebook's globals)."""
    spec, arrays = unpack(request)
    oracle = _Oracle(spec["oracle"], spec["token"]) if spec.get("oracle") else None
    results, out = [], []
    def refs(kind: str, key: Any) -> Any:
        if kind == "notebook":
            value = namespace.get(key, _MISSING)
            if value is _MISSING:
                raise _Failed(f"{key} is not defined: run the cell that defines it (and keep its name).")
            return value
        if type(key) is not str or key not in HANDLES:
            raise _Failed("the grader asked for an object this notebook no longer has")
        return HANDLES[key]

    for call in spec["calls"]:
        try:
            target = _target(call["target"], refs)
            args = decode(call["args"], arrays, refs=refs)
            kwargs = decode(call["kwargs"], arrays, refs=refs)
        except _Failed as failed:
            target, outcome = _MISSING, Outcome(error=failed.message)
        if target is not _MISSING:
            with _helpers_swapped(target, call.get("helpers", ()), oracle):
                outcome = run_call(target, call["name"], args, kwargs, forbidden=call.get("forbidden"),
                                   label=call.get("label"), rule=call.get("rule", NUMPY_RULE),
                                   measure=bool(call.get("measure")))
        if outcome.error is not None:
            results.append({"id": call["id"], "error": outcome.error})
        else:
            results.append({"id": call["id"], "value": encode(outcome.value, out, keep=Keeper(call["id"], HANDLES)),
                            "peak": outcome.peak})
    return pack({"nonce": spec["nonce"], "results": results, "callables": callables(namespace)}, out)


def _target(target: Any, refs: Callable[[str, Any], Any]) -> Any:
    """What a call calls: a notebook global (its name), a kept object ({"handle": name}) or one of
    the course's probes ({"probe": name}, :mod:`qkv_course.probes`)."""
    if isinstance(target, str):
        return refs("notebook", target)
    if isinstance(target, dict) and "handle" in target:
        return refs("handle", target["handle"])
    if isinstance(target, dict) and "probe" in target:
        from . import probes

        probe = getattr(probes, str(target["probe"]), None)
        if str(target["probe"]) not in probes.__all__ or probe is None:
            raise _Failed(f"the grader asked for an unknown probe {target['probe']!r}")
        return probe
    raise _Failed("the grader's request names nothing to call")


def answer(nonce: str, request: str, function: str) -> None:
    """The line the grader runs for each test cell: answer the calls of the ``request`` file with
    the notebook's functions and publish the results, tagged with ``nonce``. (``function``, the
    function the test grades, names it in the cell's source for a reader.)"""
    with open(request, "rb") as handle:
        blob = respond(handle.read(), _user_namespace())
    from IPython.display import publish_display_data

    publish_display_data({MIME: {"nonce": nonce, "data": base64.b64encode(blob).decode()}})


_MISSING = object()
