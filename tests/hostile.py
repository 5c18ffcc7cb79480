"""The hostile submissions catalogue: notebooks that attack the grader, and what must happen.

Each :class:`Case` builds one student's submission folder of ps01_search (numpy only, so cheap to
grade; the torch case uses ps03_projections) from the released notebook with the reference
answers filled in, then changes it. Its expectation says which graded functions keep their
points, which problems the ``qkv-grade`` report names, and anything else to check. Every hostile
program here stops by itself (a fork bomb after a few thousand forks, a memory bomb at a few GiB,
loops after a minute), so that a limit that fails cannot take the test machine down.

ps01's points: dot_scores 3 (visible 1 + hidden 2), hard_lookup 3, soft_lookup 5; hard_lookup's
and soft_lookup's tests use a trusted dot_scores, so a broken dot_scores costs its own 3 only.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from nbgrader_course import REPO, student_notebook

from qkv_course.grading.catalog import graded_items

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


def _memory_bomb(b: Builder) -> dict[str, bytes]:
    code = '''
def bomb():
    blocks = []
    for _ in range(24):            # stops by itself at 6 GiB
        blocks.append(bytearray(256 * 1024 * 1024))

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
    Case("memory_bomb", "allocates 256 MiB blocks up to 6 GiB after defining dot_scores",
         _memory_bomb, ALL, ("memory error",)),
    Case("os_exit", "`os._exit(0)` in the hard_lookup answer cell", lambda b: b.files(
        b.prepend(b.correct(), "hard_lookup", "import os\nos._exit(0)")), frozenset({"dot_scores"}),
        ("kernel died",), output_text=("GradingStopped",)),
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
         ALL - {"dot_scores"}, output_text=("numpy.allclose",)),
    Case("patched_torch", "torch.allclose, torch.equal, Tensor.__eq__ and numpy patched; project_qkv wrong",
         _torch_patch, frozenset({"QKVProjection"}), assignment="ps03_projections",
         output_text=("torch.allclose",)),
    Case("input_transformer", "an IPython input transformer that turns every later cell into `pass`",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores",
                                    "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])")),
         NONE, ("test did not run as written",)),
    Case("ast_swallow", "an AST transformer that wraps every later cell in try/except",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores", '''
import ast

class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)

get_ipython().ast_transformers.append(Swallow())
''')), ALL - {"dot_scores"}, ("test did not run as written",)),
    Case("pre_run_hook", "a pre_run_cell hook that swaps in a fake grading module before every cell",
         lambda b: b.files(b.append(b.correct(dot_scores=_wrong_dot_scores()), "dot_scores", '''
import sys, types

def fake(info):
    module = types.ModuleType("qkv_course.grading.ps01")
    for name in ("check_dot_scores", "check_dot_scores_hidden", "check_hard_lookup",
                 "check_hard_lookup_hidden", "check_soft_lookup", "check_soft_lookup_hidden"):
        setattr(module, name, lambda *a, **k: print("All tests passed!"))
    module.__getattr__ = lambda name: (lambda *a, **k: None)
    sys.modules["qkv_course.grading.ps01"] = module

get_ipython().events.register("pre_run_cell", fake)
''')), NONE, ("test did not run as written",)),
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
         _search_disk, ALL, output_text=("hostile search found 0 files",)),
    Case("writes_everywhere", "writes into another student's folders, the gradebook, the config and "
         "site-packages (a .pth file)", _write_everywhere, ALL,
         output_text=("hostile writes that succeeded: []",)),
    Case("output_spam", "prints 400 MB", _output_spam, ALL, max_notebook_bytes=2_000_000),
]


def submission_files(case: Case, course: Path) -> dict[str, bytes]:
    """The files of the case's submission folder, for a course at ``course``."""
    return case.build(Builder(course))
