"""The book builds (warnings are errors) and what a reader gets is whole: no error output, every
internal link, image, script and stylesheet resolves, MathJax is served locally, and every page
offers its source for download.

The build runs scripts/build_book.sh, the README's command, into a fresh directory, so every
chapter is executed from scratch (the ``html`` fixture of tests/conftest.py, shared with the browser
tests in tests/test_browser.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[1]


def toc_pages() -> list[str]:
    """Every document named in _toc.yml, e.g. 'book/intro'."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return pages


PAGES = toc_pages()


def soup(html: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((html / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def local_target(html: Path, page: str, url: str) -> tuple[Path, str] | None:
    """(file, fragment) that a relative URL on ``page`` points to, or None for external URLs."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//") or url.startswith("data:"):
        return None
    base = (html / page).parent
    path = (base / unquote(parts.path)).resolve() if parts.path else (html / f"{page}.html").resolve()
    return path, parts.fragment


@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_error_output(html, page):
    doc = soup(html, page)
    for selector in (".output.error", ".output.traceback", ".output.stderr", ".system-message", ".problematic"):
        found = doc.select(selector)
        assert not found, f"{page}: {selector} in the HTML: {found[0].get_text()[:500]}"
    for output in doc.select(".cell_output"):
        text = output.get_text()
        assert "Traceback (most recent call last)" not in text, f"{page}: traceback in an output"
        assert "Error" not in text.split(":")[0], f"{page}: error in an output: {text[:300]}"


@pytest.mark.parametrize("page", PAGES)
def test_every_internal_link_image_and_asset_resolves(html, page):
    doc = soup(html, page)
    missing = []
    for tag, attr in (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href")):
        for el in doc.find_all(tag):
            url = el.get(attr)
            if not url:
                continue
            target = local_target(html, page, url)
            if target is None:
                continue
            path, fragment = target
            if not path.exists():
                missing.append(f"<{tag} {attr}={url!r}>: {path} does not exist")
            elif fragment and path.suffix == ".html":
                ids = {e.get("id") for e in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find_all(id=True)}
                if fragment not in ids:
                    missing.append(f"<{tag} {attr}={url!r}>: no element with id {fragment!r} in {path.name}")
    assert not missing, f"{page}:\n" + "\n".join(missing)


@pytest.mark.parametrize("page", PAGES)
def test_mathjax_is_served_locally(html, page):
    doc = soup(html, page)
    sources = [s.get("src", "") for s in doc.find_all("script")]
    mathjax = [s for s in sources if "mathjax" in s.lower() or "tex-" in s]
    if doc.select(".math"):
        assert mathjax, f"{page} has math but no MathJax script"
    for src in mathjax:
        assert local_target(html, page, src) is not None, f"{page}: MathJax from the network: {src}"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()


@pytest.mark.parametrize("page", PAGES)
def test_page_offers_its_source_for_download(html, page):
    doc = soup(html, page)
    downloads = [a["href"] for a in doc.find_all("a", href=True) if "_sources/" in a["href"]]
    assert downloads, f"{page}: no download link for the page source"
    for href in downloads:
        path, _ = local_target(html, page, href)
        assert path.exists(), href


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_licences(html, page):
    footer = " ".join(soup(html, page).get_text(" ").split())
    assert "MIT licence" in footer and "CC BY 4.0" in footer, f"{page}: the footer does not show the licences"
    assert (REPO / "LICENSE").read_text().count("CC BY 4.0") >= 2


CHAPTERS = [p for p in PAGES if re.fullmatch(r"book/\d\d_\w+", p)]


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_has_objectives_math_figures_and_a_self_check(html, page):
    doc = soup(html, page)
    titles = [t.get_text(" ", strip=True) for t in doc.select(".admonition-title")]
    assert "Learning objectives" in titles, f"{page}: no learning objectives"
    assert doc.select(".math"), f"{page}: no typeset math"
    images = doc.select("figure img")
    assert images, f"{page}: no figure"
    short = [img.get("src") for img in images if len(img.get("alt", "")) <= 30]
    assert not short, f"{page}: figures without a real alt text: {short}"
    assert doc.select("div.exercise"), f"{page}: no self-check exercise"
    assert doc.select("div.solution.dropdown"), f"{page}: the exercise has no hidden (dropdown) solution"


def assignment_links(html: Path, page: str) -> list[Path]:
    doc = soup(html, page)
    # {download} links; the header's "download this chapter as .ipynb" (_sources/) and the Colab
    # launch links end in .ipynb too, but are not the assignment
    links = [a["href"] for a in doc.find_all("a", href=True)
             if a["href"].endswith(".ipynb") and "_downloads/" in a["href"]]
    return [target[0] for href in links if (target := local_target(html, page, href)) is not None]


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_links_its_released_assignment(html, page):
    """The download is byte for byte the committed release in notebooks/ (not the solutions)."""
    targets = assignment_links(html, page)
    assert targets, f"{page} does not link its assignment notebook"
    released = {p.read_bytes(): p for p in (REPO / "notebooks").glob("*/*.ipynb")}
    for path in targets:
        assert path.exists(), f"{page}: {path} missing"
        assert path.read_bytes() in released, f"{page}: {path.name} is not a released notebook"


def test_every_assignment_is_linked_from_a_chapter(html):
    linked = {p.read_bytes() for page in CHAPTERS for p in assignment_links(html, page) if p.exists()}
    for nb in sorted((REPO / "notebooks").glob("*/*.ipynb")):
        assert nb.read_bytes() in linked, f"no chapter links {nb.relative_to(REPO)}"


@pytest.mark.parametrize(
    "code, expected",
    [("1 / 0", "ZeroDivisionError"), ("import sys\nprint('oops', file=sys.stderr)", "stderr")],
)
def test_an_error_or_stray_stderr_in_a_chapter_fails_the_build(tmp_path, code, expected):
    """The book's own configuration turns execution errors and stderr output into a failed build."""
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(REPO / "_config.yml", book / "_config.yml")
    (book / "book").mkdir()
    shutil.copy(REPO / "book" / "references.bib", book / "book" / "references.bib")
    for folder in ("_ext", "_static"):   # the book's extension, CSS and favicon, named in _config.yml
        shutil.copytree(REPO / "book" / folder, book / "book" / folder)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (book / "intro.md").write_text(textwrap.dedent("""\
        ---
        jupytext:
          text_representation:
            format_name: myst
        kernelspec:
          display_name: Python 3
          language: python
          name: python3
        ---
        # A broken page

        ```{code-cell} ipython3
        """) + code + "\n```\n")
    proc = subprocess.run(["jupyter-book", "build", str(book), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"))
    assert proc.returncode != 0, "the build should have failed"
    assert expected in proc.stdout + proc.stderr


def solution_lines() -> set[str]:
    """Distinctive lines of the solutions and hidden tests in solutions/*/*.ipynb (instructors only)."""

    lines = set()
    for nb in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                marker = line.strip()
                if marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
                    inside = True
                elif marker in ("### END SOLUTION", "### END HIDDEN TESTS"):
                    inside = False
                elif inside and len(marker) >= 30 and not marker.startswith("#"):
                    lines.add(marker)
    # What students are shown anyway: the released notebooks (e.g. the imports of the visible
    # checks) and the book's own pages (chapter 2 teaches the softmax's last line, the instructor
    # guide shows what a hidden test looks like).
    public = "\n".join([p.read_text() for p in (REPO / "notebooks").glob("*/*.ipynb")]
                       + [p.read_text() for p in (REPO / "book").glob("*.md")])
    flat = " ".join(public.split())   # prose may break a line of code across two lines
    return {line for line in lines if json.dumps(line)[1:-1] not in public and " ".join(line.split()) not in flat}


def test_the_student_book_holds_no_solution_or_hidden_test(html):
    """Nothing of solutions/ reaches the student book: not its markers in any notebook or code
    cell, not one line of a solution or a hidden test in any page, download or source."""
    secret = solution_lines()
    assert len(secret) > 50, "the solutions should have many distinctive lines"
    leaks = []
    for path in sorted(html.rglob("*")):
        if path.suffix == ".html":
            doc = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            code = "\n".join(el.get_text() for el in doc.select("div.cell, pre"))
            text = doc.get_text()
        elif path.suffix in (".ipynb", ".md", ".txt", ".js"):
            text = code = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".md":   # a page's source: its code is checked in the page's HTML
                code = ""
            if path.suffix == ".ipynb":
                code = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code")
        else:
            continue
        for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            if marker in code:
                leaks.append(f"{path.relative_to(html)}: {marker!r} in code")
        leaks += [f"{path.relative_to(html)}: {line!r}" for line in secret if line in text]
    assert not leaks, "solutions in the student book:\n" + "\n".join(leaks[:20])


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_offers_its_problem_set_on_binder_and_colab(html, page):
    """The launch links open the same notebook as the chapter's download link, in the repository
    that _config.yml names for the launch buttons."""
    config = yaml.safe_load((REPO / "_config.yml").read_text())["sphinx"]["config"]["html_theme_options"]
    repo = urlsplit(config["repository_url"]).path.strip("/")
    branch = config["repository_branch"]
    released = {p.read_bytes(): p.relative_to(REPO).as_posix() for p in (REPO / "notebooks").glob("*/*.ipynb")}
    notebooks = {released[p.read_bytes()] for p in assignment_links(html, page)}
    assert len(notebooks) == 1, notebooks
    (notebook,) = notebooks
    hrefs = [a["href"] for a in soup(html, page).select("article a[href]")]
    assert f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}" in hrefs, page
    assert f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}" in hrefs, page
    header = {a.get_text(strip=True): a["href"] for a in soup(html, page).select(".dropdown-launch-buttons a[href]")}
    # the header's buttons open the problem set too (the page's own source is a .md Colab cannot open)
    assert header.get("Binder") == f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}", header
    assert header.get("Colab") == f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}", header
    pip = f'%pip install "qkv-course[torch] @ git+{config["repository_url"]}"'
    assert pip in soup(html, page).get_text(), "the install line names the repository of _config.yml"


@pytest.mark.parametrize("page", [p for p in PAGES if p not in CHAPTERS])
def test_pages_without_a_problem_set_have_no_launch_buttons(html, page):
    assert not soup(html, page).select(".dropdown-launch-buttons a[href]"), page


def test_the_repository_address_is_written_once():
    """Pages link launch services through the {binder}, {colab} and {pipinstall} roles, which
    read the address from _config.yml: no page writes it, or a launch service's URL, itself."""
    for page in sorted((REPO / "book").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for literal in ("github.com/qkv-course", "mybinder.org/v2", "colab.research.google.com/github"):
            assert literal not in text, f"{page.name} writes {literal!r}: use the launch roles"
