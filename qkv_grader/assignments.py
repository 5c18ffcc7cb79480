"""Which checks grade which assignment, and what of the course its grading kernel may see.

For an assignment graded *outside the kernel* (``outside=True``) the execute step
(:mod:`qkv_grader.execute`) decides every test cell in the grader's process with the
check in the chapter's module :attr:`Assignment.key` names (see :mod:`qkv_grader.remote`), and the
sandbox mounts, in place of the course package, a *view* of it (:func:`kernel_view`) holding
only what the notebook imports for its own use: :data:`KERNEL_COMMON` plus the assignment's
:attr:`Assignment.kernel_modules`. No reference implementation, hidden case or check is in it:
every other module there, ``qkv_course.checks`` and its modules (its subpackage ``diagnoses``
too) included, is a stub that imports (so the notebook's imports cell runs) and whose functions, when called, raise an error
saying the course's own code is not available while a notebook is graded.
"""

from __future__ import annotations

import atexit
import compileall
import dataclasses
import functools
import importlib
import os
import re
import shutil
import tempfile
import typing as t
from pathlib import Path

__all__ = ["Assignment", "ASSIGNMENTS", "KERNEL_COMMON", "assignment", "cache_dir", "kernel_view",
           "library_stubs"]

#: Modules of the course package that every grading kernel may import: the kernel's half of
#: grading and input validation, none of which computes anything an assignment grades.
KERNEL_COMMON = ("__init__", "emit", "probes", "tripwire", "validation")


@dataclasses.dataclass(frozen=True)
class Assignment:
    """One nbgrader assignment, named ``ps<NN>_<key>`` by its chapter's number and key (the key
    names its checks, ``qkv_course.checks.<key>``, and hidden cases, ``qkv_grader.hidden.<key>``),
    the course modules its notebook imports (besides :data:`KERNEL_COMMON`), and whether its tests
    are decided outside the kernel."""

    name: str
    kernel_modules: tuple[str, ...] = ()
    outside: bool = True
    #: libraries the grading kernel cannot import (see :func:`library_stubs`): those holding
    #: ready-made versions of the functions the assignment grades, which its rules forbid
    #: and no honest answer needs. Absent from the kernel, a library shortcut fails the tests
    #: whatever the notebook does to the in-kernel rule checks (qkv_course.tripwire).
    hidden_libraries: tuple[str, ...] = ("scipy",)
    #: libraries the notebook imports that take a second or more to load: a kernel started
    #: ahead for the assignment (qkv_grader.execute) imports them while it waits for its
    #: notebook, before it has any file and without binding a name the notebook would see.
    kernel_imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"ps\d\d_[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"assignment {self.name!r}: names are ps<NN>_<chapter key>, e.g. ps01_search")

    @property
    def key(self) -> str:
        """The chapter's key: the name after ``ps<NN>_``."""
        return self.name.split("_", 1)[1]

    def module(self) -> t.Any:
        """The assignment's checks module; one that can keep costly expected values between
        grading processes (its ``keep_runs_in``, e.g. MiniLM's runs) keeps them in :func:`cache_dir`."""
        module = importlib.import_module(f"qkv_course.checks.{self.key}")
        keep = getattr(module, "keep_runs_in", None)
        if keep is not None:
            folder = cache_dir()
            keep(None if seen_by_kernels(folder) else folder)
        return module

    def warm_up(self) -> None:
        """Import the checks and let them make what every notebook needs (their module's optional
        ``warm_up()``: e.g. a pretrained model loaded and run), so that the first test cell does
        not wait for it."""
        ready = getattr(self.module(), "warm_up", None)
        if ready is not None:
            ready()

    def check(self, function: str) -> tuple[t.Callable[..., None], t.Callable | None]:
        """The check of ``function`` (a graded function, or a question whose answer a notebook
        global holds) and the reference that may answer its calls speculatively."""
        module = self.module()
        checks = getattr(module, "CHECKS", {})
        questions = getattr(module, "QUESTIONS", {})
        if function in questions:  # a question's answer: read from the kernel, no guess
            return questions[function], None
        if function not in checks:
            raise LookupError(f"{self.name}: no check grades {function!r} (CHECKS or QUESTIONS in "
                              f"{module.__name__})")
        return checks[function], getattr(module, "REFERENCES", {}).get(function)

    def functions(self) -> tuple[str, ...]:
        return tuple(getattr(self.module(), "CHECKS", {}))


ASSIGNMENTS: dict[str, Assignment] = {a.name: a for a in (
    Assignment("ps01_search", ("videos",)),
    Assignment("ps02_softmax", ("masking",)),
    Assignment("ps03_projections", ("embeddings",), kernel_imports=("torch",)),
    Assignment("ps04_attention", ("masking", "embeddings", "projections")),
    Assignment("ps05_masking", ("embeddings", "projections")),
    Assignment("ps06_multihead", ("masking",), kernel_imports=("torch",)),
    Assignment("ps07_position", ("embeddings",)),
    # chapter 6's multi_head_attention (and what it imports) is the block's attention sublayer
    Assignment("ps08_block", ("multihead", "attention", "softmax", "masking", "projections")),
    Assignment("ps09_generation"),
    Assignment("ps10_cost"),
    # transformers looks for scipy when it loads MiniLM
    Assignment("ps11_trained", ("trained", "minilm"), hidden_libraries=(),
               kernel_imports=("torch", "transformers")),
)}


def cache_dir() -> Path:
    """Where grading processes keep what their checks compute at a cost and every process needs
    (MiniLM's runs for ps11): ``$QKV_CACHE_DIR``, else ``qkv-course`` in the user's cache folder
    (``$XDG_CACHE_HOME``, else ``~/.cache``). Delete it at will: it is made again."""
    if os.environ.get("QKV_CACHE_DIR"):
        return Path(os.environ["QKV_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qkv-course"


def seen_by_kernels(folder: Path) -> bool:
    """Whether the grading sandbox mounts ``folder`` (it is inside the system's, Python's or the
    course package's folders): then the grader keeps nothing there."""
    from .sandbox import SYSTEM_DIRS, _package_root, _python_roots

    path = os.path.realpath(folder)
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep)
               for root in (*SYSTEM_DIRS, *_python_roots(), os.path.dirname(_package_root())))


def assignment(name: str | None) -> Assignment | None:
    """The assignment called ``name``, or None (an assignment this course does not know)."""
    return ASSIGNMENTS.get(name or "")


_STUB = '''"""Not available while a notebook is graded (see qkv_grader.assignments)."""

_SOURCE = """
def _unavailable(*args, **kwargs):
    import sys
    import qkv_course.emit
    qkv_course.emit.note_unavailable({full!r})
    frame, who = sys._getframe(1), "your code"
    while frame is not None:
        if not frame.f_code.co_name.startswith(("<", "__")):
            who = frame.f_code.co_name
            break
        frame = frame.f_back
    raise RuntimeError(who + " calls {full}, the course's own code, which is not available while "
                       "your notebook is graded. This exercise asks you to write that computation "
                       "yourself.")


class {name}:
    # a class, so that subclassing it works and its name shows in the subclass's bases; calling
    # it, or running a copy of its code, raises
    __code__ = _unavailable.__code__

    def __new__(cls, *args, **kwargs):
        _unavailable()
"""


def __getattr__(name):
    if name.startswith("__") or not name.isidentifier():
        raise AttributeError(name)
    namespace = {"__name__": __name__}
    exec(_SOURCE.format(name=name, full=f"{__name__}.{name}"), namespace)
    return namespace[name]
'''


@functools.lru_cache(maxsize=None)
def kernel_view(name: str) -> str:
    """A directory holding the package view of assignment ``name`` (see the module docstring),
    made once per process; the sandbox binds it read-only over the package."""
    import qkv_course

    spec = ASSIGNMENTS[name]
    package = Path(qkv_course.__file__).resolve().parent
    root = Path(tempfile.mkdtemp(prefix="qkv-view-"))
    atexit.register(shutil.rmtree, root, True)
    view = root / "qkv_course"
    view.mkdir()
    for module in (*KERNEL_COMMON, *spec.kernel_modules):
        shutil.copy2(package / f"{module}.py", view / f"{module}.py")
    if (package / "data").is_dir():
        shutil.copytree(package / "data", view / "data")
    # every other module of the package, and of its checks package (subpackages included), is a
    # stub (_STUB): it imports, and calling anything in it says why it is not there
    for path in package.glob("*.py"):
        if not (view / path.name).exists():
            (view / path.name).write_text(_STUB)
    for path in (package / "checks").rglob("*.py"):
        stub = view / path.relative_to(package)
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(_STUB)
    # compiled here, once: the kernel cannot write beside a read-only view, and would compile
    # every module it imports from source, in every notebook
    compileall.compile_dir(str(view), quiet=1)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    root.chmod(0o755)
    return str(view)


@functools.lru_cache(maxsize=None)
def library_stubs(name: str) -> tuple[tuple[str, str], ...]:
    """``(stub, installed)`` directory pairs, to be mounted in the grading sandbox over what the
    kernel of assignment ``name`` must not import: this grader package (its hidden cases and
    checks), and the assignment's hidden libraries. Each stub is a package whose import raises an
    ImportError saying why (:func:`qkv_grader.sandbox.import_stubs`)."""
    from .sandbox import import_stubs

    spec = ASSIGNMENTS[name]
    hidden = {"qkv_grader": "qkv_grader, the course's grader, is not available in the grading kernel"}
    for library in spec.hidden_libraries:
        hidden[library] = (f"{library} is not available while {name} is graded: the assignment is "
                           "written with numpy alone, and its rules forbid a library's ready-made version")
    return import_stubs(tuple(hidden.items()))
