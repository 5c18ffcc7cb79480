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
    assert len(pages) == len(ASSIGNMENTS) == 8
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
    assert {p.stem for p in (REPO / "qkv_course" / "checks").glob("*.py")} - keys == {
        "__init__", "core", "diagnoses", "guard"}
    assert {p.stem for p in (REPO / "qkv_grader" / "hidden").glob("*.py")} - keys == {"__init__"}
    assert {p.name for p in (REPO / "solutions").iterdir()} == {f"ps{n}_{k}" for n, k in pages}
