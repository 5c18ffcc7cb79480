"""The grader's side of deciding tests outside the student's kernel.

A test cell's check (``check_dot_scores(fn, hidden=True)``) is ordinary Python that calls the
student's function through :func:`qkv_course.checks.core.call_student`. While a notebook is
graded it runs in the grader's process, on a :class:`Remote` that stands for the student's
function, inside a :class:`Replay`: each call the check makes is looked up among the
outcomes the kernel reported (:mod:`qkv_course.emit`). A call the kernel has not answered yet is
collected for the next request and answered, for now, by a guess (or stops the check); the
grader sends those calls to the kernel and runs the check again, until a run of the check used
only the kernel's answers. That run's result is the test's result. So the check's cases, its
expected values, its diagnoses and the reference stay in the grader's process; the kernel only
ever sees inputs.

The guess is what a correct notebook answers: the reference run in the grader's process, on
the calls' inputs (:meth:`Replay.outcome`). A layer the reference builds is kept here under
the name the kernel will give the student's layer (:class:`qkv_course.emit.Keeper`), so that
the calls on it are guessed too, and one request carries a whole passing check: building the
layer, loading weights, calling it, probing it. A guess never decides anything: a wrong guess
only costs another request (the calls the check makes after the kernel's first different answer).

Nor does a guess decide when it was right: a run of the check that used guesses gives its result
provisionally, and the next run returns it without running the check again only if every guess
it used came back from the kernel bit for bit the same and the notebook's callable names are the
ones that run saw (:meth:`Replay.run`). The check then would make the same calls and see the same
values, so it would decide the same. A correct notebook's test so costs one run of its check, and
that first run, which sees nothing of the notebook's, is shared by every notebook a grading
process grades (``memo``).

:class:`Oracle` serves the *trusted helpers* of a request (see :mod:`qkv_course.emit`) over a
Unix socket, for the test cell being run only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import typing as t

import numpy as np

from qkv_course.checks.core import REPLAY as _active, remote_calls
from qkv_course.emit import Keeper, Opaque, Outcome, decode, encode, pack, unpack

__all__ = ["Remote", "Replay", "NeedCalls", "Oracle", "Verdict", "remote_calls", "ForgedResults"]

#: How many rounds (requests to the kernel) one test may take before it is given up.
MAX_ROUNDS = 64
#: How many first runs a memo of :class:`Replay` keeps per test (one per set of names, the most
#: recently used): a class's correct notebooks share one, and a run's inputs can be megabytes.
MEMO_PER_TEST = 2
#: How many guesses (:meth:`Replay._guess`) a grading process keeps for other notebooks, the most
#: recently made: a reference's answer to the same inputs is the same for every notebook.
GUESSES_KEPT = 64
_GUESSES: dict[tuple[t.Any, bytes], Outcome] = {}
#: The largest call of a trusted helper the oracle reads.
ORACLE_BYTES = 64 * 1024**2


class _NoGuess(Exception):
    """The grader cannot guess the answer of a call (see :meth:`Replay._guess`)."""


class NeedCalls(BaseException):
    """A check made a call the kernel has not answered yet (and no reference could stand in).
    A BaseException, so that checks which catch their own failures do not catch it."""


class ForgedResults(Exception):
    """The kernel's results do not answer the grader's request (see :meth:`Replay.accept`)."""


class _KernelFunction:
    """The value of a notebook global in a :class:`Remote`'s namespace: a callable exists there
    (callable here too, as checks test that before swapping in a trusted helper)."""

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise TypeError("a notebook's function cannot be called directly on the grader's side")


_IN_KERNEL = _KernelFunction()


class Remote:
    """Stands for the notebook's global ``name`` (a student's function) in a check run by the
    grader. ``__globals__`` mimics the notebook's namespace (which names are callable), so that
    :func:`qkv_course.checks.core.trusted_helpers` swaps helpers here as it would there."""

    def __init__(self, name: str, names: t.Iterable[str] = ()) -> None:
        self.__name__ = self.__qualname__ = name
        self.__globals__: dict[str, t.Any] = {n: _IN_KERNEL for n in {*names, name}}

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        from qkv_course.checks.core import call_student

        return call_student(self, self.__name__, *args, **kwargs)

    @property
    def __qkv_ref__(self) -> dict:
        return {"notebook": self.__name__}

    def __repr__(self) -> str:
        return f"<the notebook's {self.__name__}>"


@dataclasses.dataclass
class Call:
    """One call the grader wants the kernel to make."""

    key: str
    target: t.Any  # a notebook global's name, {"handle": name} or {"probe": name}
    name: str
    args: tuple
    kwargs: dict
    forbidden: dict
    label: str | None
    rule: str
    helpers: dict  # helper name -> the grader's callable that computes it
    measure: bool = False


def _named(arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    return {f"a{i}": a for i, a in enumerate(arrays)}


def fingerprint(outcome: Outcome) -> bytes:
    """A digest of everything a check can see of ``outcome`` (its error, peak and value: types,
    dtypes, shapes and every bit of the data; an :class:`Opaque`'s type name and handle), taken
    before any check holds the value. Equal fingerprints: the check cannot tell the two apart."""
    torch = sys.modules.get("torch")  # a value can hold a tensor only once torch is imported
    h = hashlib.sha256()

    def put(*parts: t.Any) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            h.update(len(data).to_bytes(8, "little") + data)

    def walk(value: t.Any, depth: int = 0) -> None:
        kind = type(value)
        put(kind.__module__, kind.__qualname__)
        if depth > 64:
            put(id(value))  # never equal to another value's
        elif isinstance(value, Opaque):
            put(sorted(vars(value).items()))
        elif isinstance(value, (np.ndarray, np.generic)):
            put(value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
        elif torch is not None and isinstance(value, torch.Tensor):  # Parameter too (its type is put above)
            data = value.detach().cpu()
            put(str(data.dtype), tuple(data.shape), value.requires_grad,
                data.contiguous().view(torch.uint8).numpy().tobytes() if data.numel() else b"")
        elif torch is not None and isinstance(value, torch.nn.Linear):
            walk(value.weight, depth + 1)
            walk(value.bias, depth + 1)
        elif kind in (tuple, list):
            put(len(value))
            for item in value:
                walk(item, depth + 1)
        elif kind is dict:
            put(len(value))
            for key, item in value.items():
                put(key)
                walk(item, depth + 1)
        elif value is None or kind in (bool, int, float, complex, str):
            put(value)  # repr: exact for floats, and tells 0.0 from -0.0
        else:
            put(id(value))  # nothing decode makes; never equal to another value's

    put(outcome.error, outcome.peak)
    walk(outcome.value)
    return h.digest()


def _digest(value: t.Any) -> bytes:
    arrays: list[np.ndarray] = []
    tree = encode(value, arrays)
    h = hashlib.sha256(json.dumps(tree, sort_keys=True).encode())
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


@dataclasses.dataclass
class Verdict:
    """The result of one test decided outside the kernel: ``error`` is None when it passed;
    ``unconfirmed``: the kernel did not answer as asked (no results, several, forged ones)."""

    error: str | None
    rounds: int
    unconfirmed: bool = False


def student_like(reference: type) -> type:
    """A torch layer class that computes what ``reference`` computes and is built the same way
    (its sub-layers made in the same order, so with the same numbers under the same seed), but
    derives from ``torch.nn.Module`` alone, as a student's class does: the reference's own class
    would fail the check that a layer is not the course's."""
    import torch

    def __init__(self: torch.nn.Module, *args: t.Any, **kwargs: t.Any) -> None:
        torch.nn.Module.__init__(self)
        inner = reference(*args, **kwargs)
        for key, child in inner.named_children():
            self.add_module(key, child)
        for key, value in vars(inner).items():
            if not key.startswith("_"):
                setattr(self, key, value)

    methods = {k: v for k, v in vars(reference).items() if not k.startswith("__")}
    return type(reference.__name__, (torch.nn.Module,),
                {**methods, "__init__": __init__, "__module__": "__main__"})


class Replay:
    """Runs a check on the grader's side against the kernel's answers (module docstring).

    ``reference``: the grader's own version of the function (or layer class), used to guess
    answers so that one request can carry every call of a passing check; None to ask each call
    the grader cannot guess on its own."""

    def __init__(self, function: str, reference: t.Callable | None = None,
                 names: t.Iterable[str] = (), memo: dict | None = None) -> None:
        self.function = function
        #: what a memo tells the reference by: the object given (a layer class is wrapped anew below)
        self._reference_key = reference
        torch = sys.modules.get("torch")
        if isinstance(reference, type) and torch is not None and issubclass(reference, torch.nn.Module):
            reference = student_like(reference)
        self.reference = reference
        self.names = set(names)
        self.answers: dict[str, Outcome] = {}
        #: the fingerprints of the answers, taken when they came (before a check held them)
        self._prints: dict[str, bytes] = {}
        self.pending: dict[str, Call] = {}
        self._seen: dict[bytes, int] = {}
        self._guessed: dict[str, bytes] = {}
        #: the objects guesses made (layers of the reference), by the name the kernel gives
        #: the student's (qkv_course.emit.Keeper)
        self._objects: dict[str, t.Any] = {}
        #: the last run's result if its guesses hold (see :meth:`run`): the verdict, the
        #: fingerprints of the guesses it used, and the names it ran with
        self._provisional: tuple[Verdict, dict[str, bytes], frozenset[str]] | None = None
        #: first runs shared between replays (a grading process's), keyed by what they depend on
        self._memo = memo
        #: False after a first run taken from the memo: guesses have made no objects here
        self._objects_made = True
        self._ran = False
        self._first_names = frozenset(self.names)

    # -- inside the check -------------------------------------------------------------------

    def outcome(self, fn: t.Any, name: str, args: tuple, kwargs: dict, *,
                forbidden: t.Mapping[str, str] | None, label: str | None, rule: str,
                measure: bool = False) -> Outcome:
        target: t.Any
        if isinstance(fn, Remote):
            target = fn.__name__
            helpers = {k: v for k, v in fn.__globals__.items() if v is not _IN_KERNEL}
        elif isinstance(fn, Opaque) and fn.handle is not None:
            target, helpers = {"handle": fn.handle}, {}
        elif getattr(fn, "__module__", None) == "qkv_course.probes":
            target, helpers = {"probe": fn.__name__}, {}
        else:
            raise TypeError(f"a check called {fn!r} while grading outside the kernel: only the "
                            "notebook's objects and the course's probes can be called there")
        base = _digest([target, name, list(args), dict(kwargs), dict(forbidden or {}), label, rule,
                        sorted(helpers), measure])
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        key = hashlib.sha256(base + str(count).encode()).hexdigest()
        if key in self.answers:
            return self.answers[key]
        self.pending.setdefault(key, Call(key, target, name, tuple(args), dict(kwargs),
                                          dict(forbidden or {}), label, rule, helpers, measure))
        shared = (self._reference_key, base) if self._memo is not None and isinstance(target, str) else None
        guess = _GUESSES.get(shared) if shared is not None else None
        if guess is None:
            try:
                guess, plain = self._guess(key, target, args, kwargs, measure)
            except _NoGuess:
                raise NeedCalls(key) from None
            if shared is not None and plain:
                _GUESSES[shared] = guess
                while len(_GUESSES) > GUESSES_KEPT:
                    del _GUESSES[next(iter(_GUESSES))]
        self._guessed[key] = fingerprint(guess)
        return guess

    def _guess(self, key: str, target: t.Any, args: tuple, kwargs: dict, measure: bool
               ) -> tuple[Outcome, bool]:
        """What a correct notebook answers to the call ``key`` (the module docstring): the call
        made here on the reference and the objects earlier guesses made, its result passed
        through the same plain data as the kernel's; and whether it is *plain*: made from the
        inputs alone (no object of an earlier guess used, none made), so that another replay of
        the same reference may reuse it. Raises :class:`_NoGuess` where the call needs something
        of the notebook's the grader has no reference for."""
        from qkv_course import probes

        objects = len(self._objects)
        used: list[str] = []

        def resolve(kind: str, ref: t.Any) -> t.Any:
            used.append(kind)
            if kind == "notebook" and ref == self.function and self.reference is not None:
                return self.reference
            if kind == "handle" and ref in self._objects:
                return self._objects[ref]
            raise _NoGuess(ref)

        if isinstance(target, str):
            fn = resolve("notebook", target)
        elif "handle" in target:
            fn = resolve("handle", target["handle"])
        elif target["probe"] in probes.UNGUESSED:
            raise _NoGuess(target["probe"])
        else:
            fn = getattr(probes, target["probe"])
        arrays: list[np.ndarray] = []
        inputs = encode([list(args), dict(kwargs)], arrays)  # copies, as the kernel's inputs are
        args, kwargs = decode(inputs, _named(arrays), refs=resolve)
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            return Outcome(error=f"raised {type(exc).__name__}: {exc}"), False
        arrays = []
        tree = encode(value, arrays, keep=Keeper(key, self._objects))
        plain = len(self._objects) == objects and all(kind == "notebook" for kind in used)
        return Outcome(value=decode(tree, _named(arrays)), peak=0 if measure else None), plain

    # -- around the check -------------------------------------------------------------------

    def run(self, check: t.Callable[..., None], *args: t.Any, **kwargs: t.Any) -> Verdict | None:
        """Run ``check(Remote(function), *args, **kwargs)`` once. Returns the verdict if every
        call it made was answered by the kernel, else None (the calls are in :attr:`pending`).

        A run that used guesses and finished keeps its verdict provisionally; the next run
        returns it without running the check if the kernel's answers to every guessed call have
        the guess's :func:`fingerprint` and the notebook's callable names are still those the
        run saw (the check, which is deterministic, would make the same calls and see the same
        values). The first run of a replay made with a ``memo`` is taken from it when a replay
        of the same check, arguments, reference and names ran before."""
        shortcut = self._confirmed()
        if shortcut is not None:
            return shortcut
        first, self._ran = not self._ran, True
        key = None
        runs = None
        if first and self._memo is not None and not self.answers:
            key = frozenset(self.names)
            runs = self._memo.setdefault((check, self.function, self._reference_key, args,
                                          tuple(sorted(kwargs.items()))), {})
            if key in runs:
                runs[key] = runs.pop(key)  # the most recently used last
                pending, self._provisional, made = runs[key]
                self.pending = dict(pending)
                self._objects_made = not made
                return None
        if not self._objects_made:
            # the first run came from the memo, and made objects (a layer the reference builds):
            # make them here before the check needs them
            answers, names = self.answers, self.names
            self.answers, self.names = {}, set(self._first_names)
            try:
                self._run(check, args, kwargs)
            finally:
                self.answers, self.names = answers, names
            self._objects_made = True
        verdict = self._run(check, args, kwargs)
        if runs is not None and verdict is None:
            runs[key] = (dict(self.pending), self._provisional, bool(self._objects))
            while len(runs) > MEMO_PER_TEST:
                del runs[next(iter(runs))]
        return verdict

    def _run(self, check: t.Callable[..., None], args: tuple, kwargs: dict) -> Verdict | None:
        from qkv_course.checks.core import FeedbackError

        self.pending = {}
        self._seen = {}
        self._guessed = {}
        self._provisional = None
        names = frozenset(self.names)
        token = _active.set(self)
        error: str | None = None
        try:
            check(Remote(self.function, self.names), *args, **kwargs)
        except NeedCalls:
            return None
        except FeedbackError as exc:
            error = str(exc)
        finally:
            _active.reset(token)
        if self.pending:
            self._provisional = (Verdict(error, 0), dict(self._guessed), names)
            return None
        return Verdict(error, 0)

    def _confirmed(self) -> Verdict | None:
        """The last run's provisional verdict if every guess it used came back as guessed and
        the names are those it ran with (:meth:`run`), else None."""
        if self._provisional is None:
            return None
        verdict, guessed, names = self._provisional
        if frozenset(self.names) != names or any(
                self._prints.get(key) != value for key, value in guessed.items()):
            return None
        return dataclasses.replace(verdict)

    def batch(self) -> list[str]:
        """The pending calls the next request asks: every call whose memory is not measured, or
        else one measured call alone (so that the kernel's memory over that request is the
        call's, see :meth:`measured`)."""
        plain = [k for k, c in self.pending.items() if not c.measure]
        return plain or list(self.pending)[:1]

    def measured(self) -> bool:
        """Whether the next request is one call whose peak memory the grader measures."""
        batch = self.batch()
        return len(batch) == 1 and self.pending[batch[0]].measure

    def request(self, nonce: str, oracle: str | None) -> bytes:
        """The next batch of pending calls as a request file for :func:`qkv_course.emit.answer`."""
        arrays: list[np.ndarray] = []
        calls = [{"id": c.key, "target": c.target, "name": c.name, "args": encode(list(c.args), arrays),
                  "kwargs": encode(dict(c.kwargs), arrays), "forbidden": c.forbidden, "label": c.label,
                  "rule": c.rule, "helpers": sorted(c.helpers), "measure": c.measure}
                 for c in (self.pending[k] for k in self.batch())]
        return pack({"nonce": nonce, "token": nonce, "oracle": oracle, "calls": calls}, arrays)

    def helpers(self) -> dict[str, t.Callable]:
        """The trusted helpers the next request's calls may ask the oracle for."""
        out: dict[str, t.Callable] = {}
        for key in self.batch():
            out.update(self.pending[key].helpers)
        return out

    def accept(self, nonce: str, emissions: list[bytes], foreign: int, peak: int | None = None) -> None:
        """Take the kernel's results for the pending calls, from the ``emissions`` tagged with
        this request's ``nonce`` (``foreign``: how many were tagged otherwise). Raises
        :class:`ForgedResults` unless there is exactly one, it answers every call of the request
        and nothing else, and it unpacks as plain data. ``peak``: the memory the grader measured
        while a request of one measured call ran (bytes), which replaces the kernel's own figure."""
        if foreign:
            raise ForgedResults("results tagged for another test were published in this test cell")
        if len(emissions) != 1:
            raise ForgedResults("no results were published" if not emissions else
                                f"results were published {len(emissions)} times in this test cell")
        try:
            tree, arrays = unpack(emissions[0])
            if tree.get("nonce") != nonce:
                raise ValueError("wrong nonce inside the results")
            results = tree["results"]
            batch = self.batch()
            if [r["id"] for r in results] != batch:
                raise ValueError("the results do not answer the calls that were asked")
            answers = {}
            for r in results:
                if "error" in r:
                    answers[r["id"]] = Outcome(error=str(r["error"])[:20_000])
                else:
                    reported = r.get("peak")
                    measured = peak if peak is not None and self.pending[r["id"]].measure else None
                    answers[r["id"]] = Outcome(value=decode(r["value"], arrays),
                                               peak=measured if measured is not None else
                                               int(reported) if type(reported) is int else None)
            names = tree.get("callables", [])
            if type(names) is not list:
                raise ValueError("bad list of names")
        except ForgedResults:
            raise
        except Exception as exc:  # anything malformed: the kernel's fault, never the grader's crash
            raise ForgedResults(f"the published results are not well formed ({type(exc).__name__})") from None
        self.answers.update(answers)
        self._prints.update((key, fingerprint(outcome)) for key, outcome in answers.items())
        self.names = {str(n) for n in names[:2000]}
        for key in batch:
            del self.pending[key]


# --------------------------------------------------------------------------- the oracle

class Oracle:
    """A Unix-socket server answering the kernel's trusted-helper calls for the test cell being
    run (:meth:`serving`), and refusing everything else. Written on the standard library's
    ``socket`` since the exchange is one length-prefixed message each way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._token: str | None = None
        self._helpers: dict[str, t.Callable] = {}
        self._calls = 0
        self._lock = threading.Lock()
        if os.path.exists(path):
            os.unlink(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(path)
        os.chmod(path, 0o777)  # the kernel runs as another user id
        self._sock.listen(8)
        self._thread = threading.Thread(target=self._serve, name="qkv-oracle", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def serving(self, token: str, helpers: dict[str, t.Callable]) -> t.Iterator[None]:
        with self._lock:
            self._token, self._helpers, self._calls = token, dict(helpers), 0
        try:
            yield
        finally:
            with self._lock:
                self._token, self._helpers = None, {}

    def close(self) -> None:
        try:
            self._sock.close()
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def _serve(self) -> None:
        # one connection at a time: the kernel asks synchronously, and a kernel that opens many
        # connections gets no more of the grader than one thread
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        from qkv_course.emit import _receive

        with conn:
            try:
                conn.settimeout(30)
                tree, arrays = unpack(_receive(conn, ORACLE_BYTES), ORACLE_BYTES)
                reply = self._answer(tree, arrays)
            except Exception as exc:
                reply = pack({"error": f"the grader could not read this call ({type(exc).__name__})",
                              "kind": "RuntimeError"}, [])
            with contextlib.suppress(OSError):
                conn.sendall(struct.pack("!Q", len(reply)) + reply)

    def _answer(self, tree: dict, arrays: dict) -> bytes:
        with self._lock:
            token, helpers = self._token, self._helpers
            self._calls += 1
            calls = self._calls
        name = tree.get("name")
        if token is None or tree.get("token") != token or name not in helpers:
            return pack({"error": f"no trusted {name} is available now", "kind": "RuntimeError"}, [])
        if calls > 100_000:
            return pack({"error": "too many calls of trusted helpers", "kind": "RuntimeError"}, [])
        args, kwargs = decode(tree["args"], arrays), decode(tree["kwargs"], arrays)
        try:
            value = helpers[name](*args, **kwargs)
        except Exception as exc:
            return pack({"error": str(exc), "kind": type(exc).__name__}, [])
        out: list[np.ndarray] = []
        return pack({"value": encode(value, out)}, out)

