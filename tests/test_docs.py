"""The README stays true to the code: it names every assignment and every function students write."""

from pathlib import Path

from qkv_course.grading.catalog import graded_items

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
